package io.moc.avro;

import java.io.IOException;
import java.util.Arrays;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Conversion;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.ResolvingDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * The model of a generated record type whose readers decode every {@code array<float>} into a
 * {@link FloatList}; everything else as Avro's own.
 */
final class UnboxedFloats extends SpecificData {

  /**
   * The most floats one array may claim. {@link BoundedDecoding} checks a message's claims before
   * it is decoded; this keeps a reader used without that check from allocating what a hostile count
   * asks for.
   */
  static final int MAX_FLOATS = 1 << 24;

  private UnboxedFloats(ClassLoader loader) {
    super(loader);
  }

  /** A model like {@code type}'s own, its logical-type conversions included. */
  static UnboxedFloats of(Class<?> type) {
    UnboxedFloats model = new UnboxedFloats(type.getClassLoader());
    for (Conversion<?> c : SpecificData.getForClass(type).getConversions()) {
      model.addLogicalTypeConversion(c);
    }
    return model;
  }

  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public DatumReader createDatumReader(Schema writer, Schema reader) {
    return new Reader(writer, reader, this);
  }

  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public DatumReader createDatumReader(Schema schema) {
    return new Reader(schema, schema, this);
  }

  private static final class Reader<T> extends SpecificDatumReader<T> {

    Reader(Schema writer, Schema reader, SpecificData data) {
      super(writer, reader, data);
    }

    @Override
    protected Object readArray(Object old, Schema expected, ResolvingDecoder in)
        throws IOException {
      Schema element = expected.getElementType();
      if (element.getType() != Schema.Type.FLOAT || element.getLogicalType() != null) {
        return super.readArray(old, expected, in);
      }
      float[] values = new float[0];
      int n = 0;
      for (long block = in.readArrayStart(); block > 0; block = in.arrayNext()) {
        if (block > MAX_FLOATS - n) {
          throw new AvroRuntimeException(
              "an array of float claims more than " + MAX_FLOATS + " values");
        }
        values = Arrays.copyOf(values, n + (int) block);
        for (long i = 0; i < block; i++) {
          values[n++] = in.readFloat();
        }
      }
      return new FloatList(values, n);
    }
  }
}
