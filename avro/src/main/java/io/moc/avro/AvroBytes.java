package io.moc.avro;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding: each message carries its writer schema's fingerprint, so consumers
 * need no schema registry (none is reachable here, see STACK.md) and read older producers' messages
 * through the released schemas.
 */
public final class AvroBytes {

  private static final Map<Class<?>, BinaryMessageEncoder<SpecificRecordBase>> ENCODERS =
      new ConcurrentHashMap<>();

  private AvroBytes() {}

  public static byte[] encode(SpecificRecordBase record) {
    BinaryMessageEncoder<SpecificRecordBase> encoder =
        ENCODERS.computeIfAbsent(
            record.getClass(),
            c -> new BinaryMessageEncoder<>(record.getSpecificData(), record.getSchema()));
    try {
      ByteBuffer buffer = encoder.encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final Map<Class<?>, BinaryMessageDecoder<?>> DECODERS = new ConcurrentHashMap<>();

  /**
   * Per record type, a reader per known writer schema. Avro's message decoder reads the body from a
   * stream a byte at a time (four calls per float of an embedding); these read it in place.
   */
  private static final ClassValue<Map<Schema, DatumReader<?>>> READERS =
      new ClassValue<>() {
        @Override
        protected Map<Schema, DatumReader<?>> computeValue(Class<?> type) {
          return new ConcurrentHashMap<>();
        }
      };

  private static final ThreadLocal<BinaryDecoder> BODY = new ThreadLocal<>();

  /**
   * Decodes a message written with the current or any released schema of {@code type} (see {@link
   * SchemaHistory}).
   *
   * @throws UncheckedIOException when the bytes are not a message of a known schema of that type
   */
  @SuppressWarnings("unchecked")
  public static <T extends SpecificRecordBase> T decode(Class<T> type, byte[] bytes) {
    BinaryMessageDecoder<T> decoder =
        (BinaryMessageDecoder<T>) DECODERS.computeIfAbsent(type, t -> SchemaHistory.decoder(type));
    try {
      Schema writer = SchemaHistory.writerSchema(type, bytes);
      if (writer == null) {
        // Not a message of a known schema: Avro's decoder says why.
        return decoder.decode(ByteBuffer.wrap(bytes));
      }
      // Before Avro allocates what the bytes claim: see BoundedDecoding.
      BoundedDecoding.check(
          writer, bytes, SchemaHistory.HEADER_LENGTH, BoundedDecoding.DEFAULT_MAX_COLLECTION_ITEMS);
      DatumReader<T> reader =
          (DatumReader<T>)
              READERS
                  .get(type)
                  .computeIfAbsent(
                      writer,
                      w ->
                          UnboxedFloats.of(type)
                              .createDatumReader(
                                  w, SpecificData.getForClass(type).getSchema(type)));
      BinaryDecoder body =
          DecoderFactory.get()
              .binaryDecoder(
                  bytes,
                  SchemaHistory.HEADER_LENGTH,
                  bytes.length - SchemaHistory.HEADER_LENGTH,
                  BODY.get());
      BODY.set(body);
      return reader.read(null, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      // Avro signals unknown fingerprints and corrupt bodies with several runtime exceptions.
      throw new UncheckedIOException(new IOException(e.getMessage(), e));
    } catch (OutOfMemoryError | StackOverflowError e) {
      // A last resort should a claim get past the check: the record is bad, the job is not.
      throw new UncheckedIOException(
          new IOException("decoding exhausted the " + e.getClass().getSimpleName(), e));
    }
  }
}
