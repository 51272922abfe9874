package io.moc.indexing;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/** The broadcast state of codebook versions, by version number: the one descriptor the job uses. */
public final class CodebookBroadcast {

  private CodebookBroadcast() {}

  public static final MapStateDescriptor<Long, CodebookEntry> VERSIONS =
      new MapStateDescriptor<>(
          "codebook-versions", Types.LONG, TypeInformation.of(CodebookEntry.class));
}
