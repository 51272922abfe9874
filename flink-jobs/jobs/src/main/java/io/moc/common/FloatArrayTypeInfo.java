package io.moc.common;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type of an embedding held in state or sent between operators, serialized in bulk by {@link
 * FloatArraySerializer}. A POJO's {@code float[]} field takes it with {@code @TypeInfo(
 * FloatArrayTypeInfo.Factory.class)}.
 */
public final class FloatArrayTypeInfo extends TypeInformation<float[]> {

  private static final long serialVersionUID = 1L;

  public static final FloatArrayTypeInfo INSTANCE = new FloatArrayTypeInfo();

  private FloatArrayTypeInfo() {}

  /** For {@code @TypeInfo} on a field. */
  public static final class Factory extends TypeInfoFactory<float[]> {
    @Override
    public TypeInformation<float[]> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return INSTANCE;
    }
  }

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<float[]> getTypeClass() {
    return float[].class;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<float[]> createSerializer(SerializerConfig config) {
    return new FloatArraySerializer();
  }

  @Override
  public String toString() {
    return "float[] (bulk)";
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof FloatArrayTypeInfo;
  }

  @Override
  public int hashCode() {
    return FloatArrayTypeInfo.class.hashCode();
  }

  @Override
  public boolean canEqual(Object obj) {
    return obj instanceof FloatArrayTypeInfo;
  }
}
