package io.moc.avro;

import java.io.EOFException;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Walks an Avro binary body along its writer schema without building anything, before the real
 * decoder runs. Avro's decoder allocates what a length prefix claims before reading it: a 34-byte
 * message that claims 2·10⁹ array items or a string of 2 GB exhausts the heap of any consumer
 * ({@code OutOfMemoryError}, which catches of {@code RuntimeException} miss). Here every claim is
 * checked against what the message holds (a skip past its end fails) and collection sizes against a
 * limit, so the real decoder only ever allocates what the bytes can back.
 */
public final class BoundedDecoding {

  /** Items in one array or map, over all its blocks: far above any schema of ours. */
  public static final int DEFAULT_MAX_COLLECTION_ITEMS = 1 << 20;

  private BoundedDecoding() {}

  /**
   * @param bodyOffset where the Avro body starts (after a single-object header)
   * @throws IOException when a length or count claims more than the message holds or than the
   *     limit, an index is out of range, or the body ends early or has bytes left over
   */
  public static void check(Schema writer, byte[] message, int bodyOffset, int maxCollectionItems)
      throws IOException {
    BinaryDecoder in =
        DecoderFactory.get().binaryDecoder(message, bodyOffset, message.length - bodyOffset, null);
    long budget = message.length - bodyOffset;
    try {
      skip(writer, in, budget, maxCollectionItems);
    } catch (RuntimeException e) {
      // Avro's own limits (SystemLimitException, UnsupportedOperationException for counts past
      // what a Java array holds) and malformed varints: the message is bad either way.
      throw new IOException("not a valid body: " + e.getMessage(), e);
    }
    if (!in.isEnd()) {
      throw new IOException("bytes left after the record: not a message of this schema");
    }
  }

  private static void skip(Schema schema, BinaryDecoder in, long budget, int maxItems)
      throws IOException {
    switch (schema.getType()) {
      case RECORD -> {
        for (Schema.Field field : schema.getFields()) {
          skip(field.schema(), in, budget, maxItems);
        }
      }
      case UNION -> {
        int index = in.readIndex();
        if (index < 0 || index >= schema.getTypes().size()) {
          throw new IOException("union branch " + index + " of " + schema.getTypes().size());
        }
        skip(schema.getTypes().get(index), in, budget, maxItems);
      }
      case ARRAY -> {
        long total = 0;
        int width = fixedWidth(schema.getElementType());
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
          total = count(total, n, budget, maxItems);
          if (width > 0) {
            // An embedding's floats in one skip: a value at a time cost more than the decode.
            skipBytes(in, n * width, budget);
            continue;
          }
          for (long i = 0; i < n; i++) {
            skip(schema.getElementType(), in, budget, maxItems);
          }
        }
      }
      case MAP -> {
        long total = 0;
        for (long n = in.readMapStart(); n != 0; n = in.mapNext()) {
          total = count(total, n, budget, maxItems);
          for (long i = 0; i < n; i++) {
            skipLength(in, budget);
            skip(schema.getValueType(), in, budget, maxItems);
          }
        }
      }
      case STRING, BYTES -> skipLength(in, budget);
      case FIXED -> in.skipFixed(schema.getFixedSize());
      case ENUM -> {
        int index = in.readEnum();
        if (index < 0 || index >= schema.getEnumSymbols().size()) {
          throw new IOException("enum index " + index + " of " + schema.getEnumSymbols().size());
        }
      }
      case INT -> in.readInt();
      case LONG -> in.readLong();
      case FLOAT -> in.readFloat();
      case DOUBLE -> in.readDouble();
      case BOOLEAN -> in.readBoolean();
      case NULL -> in.readNull();
    }
  }

  private static long count(long total, long block, long budget, int maxItems) throws IOException {
    long sum = total + block;
    if (block < 0 || sum > maxItems) {
      throw new IOException(
          "a collection claims " + sum + " items, more than the limit of " + maxItems);
    }
    return sum;
  }

  /** Bytes per value of a type whose values all have one size; 0 for any other. */
  private static int fixedWidth(Schema schema) {
    return switch (schema.getType()) {
      case FLOAT -> Float.BYTES;
      case DOUBLE -> Double.BYTES;
      case FIXED -> schema.getFixedSize();
      default -> 0;
    };
  }

  /** A string's or bytes' length prefix, checked against the message before skipping it. */
  private static void skipLength(BinaryDecoder in, long budget) throws IOException {
    skipBytes(in, in.readLong(), budget);
  }

  private static void skipBytes(BinaryDecoder in, long length, long budget) throws IOException {
    if (length < 0 || length > budget) {
      throw new IOException("a length of " + length + " in a message of " + budget + " bytes");
    }
    try {
      in.skipFixed((int) length);
    } catch (EOFException e) {
      throw new IOException("a length of " + length + " runs past the end of the message", e);
    }
  }
}
