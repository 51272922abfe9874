package io.moc.avro;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Every released version of every topic schema (resources {@code
 * io/moc/avro/history/<Name>.v<N>.avsc}, listed in {@code index.txt}). A message carries its writer
 * schema's fingerprint; a decoder that knows the released schemas reads messages of older
 * producers, which the generated {@code fromByteBuffer} (current schema only) refuses.
 */
public final class SchemaHistory {

  private static final String FOLDER = "/io/moc/avro/history/";
  private static final List<Released> RELEASED = load();

  private SchemaHistory() {}

  /** One released version of a schema. */
  public record Released(String name, int version, Schema schema) {}

  /** Every released schema, by name then version. */
  public static List<Released> released() {
    return RELEASED;
  }

  /** The released versions of the record {@code name}, oldest first. */
  public static List<Released> released(String name) {
    return RELEASED.stream().filter(r -> r.name().equals(name)).toList();
  }

  /**
   * A decoder of {@code type}'s messages written with its current or any released schema; arrays of
   * float come back as {@link FloatList}.
   */
  public static <T extends SpecificRecordBase> BinaryMessageDecoder<T> decoder(Class<T> type) {
    return decoder(type, List.of());
  }

  /** As {@link #decoder(Class)}, also knowing {@code more} writer schemas. */
  public static <T extends SpecificRecordBase> BinaryMessageDecoder<T> decoder(
      Class<T> type, Collection<Schema> more) {
    SpecificData model = UnboxedFloats.of(type);
    Schema current = SpecificData.getForClass(type).getSchema(type);
    SchemaStore.Cache store = new SchemaStore.Cache();
    for (Released r : RELEASED) {
      if (r.name().equals(current.getName())) {
        store.addSchema(r.schema());
      }
    }
    more.forEach(store::addSchema);
    return new BinaryMessageDecoder<>(model, current, store);
  }

  /**
   * The writer schema a single-object message names in its header, among {@code type}'s current and
   * released schemas; null when the header is not one or the fingerprint is unknown (the decoder
   * then says which).
   */
  public static Schema writerSchema(Class<? extends SpecificRecordBase> type, byte[] message) {
    if (message == null
        || message.length < HEADER_LENGTH
        || message[0] != (byte) 0xC3
        || message[1] != (byte) 0x01) {
      return null;
    }
    long fingerprint = 0;
    for (int i = 9; i >= 2; i--) {
      fingerprint = (fingerprint << 8) | (message[i] & 0xFF);
    }
    return KNOWN.get(type).get(fingerprint);
  }

  /**
   * Per record type, its current and released schemas by fingerprint: every message decoded looks
   * its writer up here, and normalising a schema to fingerprint it costs more than decoding an
   * item.
   */
  private static final ClassValue<Map<Long, Schema>> KNOWN =
      new ClassValue<>() {
        @Override
        protected Map<Long, Schema> computeValue(Class<?> type) {
          Schema current = SpecificData.getForClass(type).getSchema(type);
          Map<Long, Schema> known = new HashMap<>();
          for (Released r : RELEASED) {
            if (r.name().equals(current.getName())) {
              known.putIfAbsent(SchemaNormalization.parsingFingerprint64(r.schema()), r.schema());
            }
          }
          // The current schema wins over a released one with the same fingerprint.
          known.put(SchemaNormalization.parsingFingerprint64(current), current);
          return Map.copyOf(known);
        }
      };

  /** Marker (2 bytes) and CRC-64-AVRO fingerprint (8 bytes, little-endian) before the body. */
  public static final int HEADER_LENGTH = 10;

  private static List<Released> load() {
    List<Released> all = new ArrayList<>();
    for (String file : read(FOLDER + "index.txt").split("\n")) {
      String name = file.trim();
      if (name.isEmpty()) {
        continue;
      }
      // <Name>.v<N>.avsc
      String[] parts = name.split("\\.");
      if (parts.length != 3 || !parts[1].startsWith("v") || !parts[2].equals("avsc")) {
        throw new IllegalStateException("history file not named <Name>.v<N>.avsc: " + name);
      }
      Schema schema = new Schema.Parser().parse(read(FOLDER + name));
      all.add(new Released(parts[0], Integer.parseInt(parts[1].substring(1)), schema));
    }
    all.sort(Comparator.comparing(Released::name).thenComparingInt(Released::version));
    return List.copyOf(all);
  }

  private static String read(String resource) {
    try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
