package io.moc.avro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * ItemEvent messages built to hurt a decoder: a valid single-object header followed by a body
 * written by hand. Shared (through this module's test-jar) by the schema tests, the jobs' operator
 * tests and the integration tests, so that all of them try the same attacks.
 */
public final class HostileMessages {

  /** Writes a message body. */
  public interface Body {
    void write(BinaryEncoder e) throws IOException;
  }

  private HostileMessages() {}

  /** The ItemEvent header of the current schema, then {@code body}. */
  public static byte[] itemMessage(Body body) throws IOException {
    ItemEvent valid = ItemEvent.newBuilder().setItemId("x").setEventTime(Instant.EPOCH).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(Arrays.copyOf(AvroBytes.encode(valid), SchemaHistory.HEADER_LENGTH));
    BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
    body.write(e);
    e.flush();
    return out.toByteArray();
  }

  /** {@code itemId}, the three optionals after it absent, then the start of the categories. */
  public static void upToCategories(BinaryEncoder e, String itemId) throws IOException {
    e.writeString(itemId);
    e.writeIndex(0);
    e.writeIndex(0);
    e.writeIndex(0);
    e.writeArrayStart();
  }

  /**
   * A few bytes whose categories claim 2·10⁹ strings: what made Avro allocate an array of that size
   * before decoding was bounded.
   */
  public static byte[] allocationBomb(String itemId) throws IOException {
    return itemMessage(
        e -> {
          upToCategories(e, itemId);
          e.setItemCount(2_000_000_000L);
        });
  }

  /** An item_id that claims {@code length} characters, far more than the message holds. */
  public static byte[] stringBomb(long length) throws IOException {
    return itemMessage(e -> e.writeLong(length));
  }
}
