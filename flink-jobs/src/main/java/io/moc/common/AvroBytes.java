package io.moc.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding: each message carries its schema's fingerprint, so consumers need no
 * schema registry (none is reachable here, see STACK.md).
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

  /** For the generated {@code fromByteBuffer} methods, which throw checked IOExceptions. */
  public interface Decoder<T> {
    T decode(ByteBuffer buffer) throws IOException;
  }

  /**
   * Decodes with a generated {@code fromByteBuffer}.
   *
   * @throws UncheckedIOException when the bytes are not a message of that schema
   */
  public static <T> T decode(Decoder<T> decoder, byte[] bytes) {
    try {
      return decoder.decode(ByteBuffer.wrap(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
