package io.moc.ctr.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.ctr.eval.EvaluationGrid.Cell;
import io.moc.report.JsonReport;
import java.util.Map;

/** Grid cells for tests, from only the keys a test cares about, read as the cells file is. */
final class Cells {

  private Cells() {}

  /** A cell with {@code keys} (snake_case, as in the cells file); other figures 0 or null. */
  static Cell of(Map<String, Object> keys) throws Exception {
    return JsonReport.read(new ObjectMapper().valueToTree(keys), Cell.class);
  }
}
