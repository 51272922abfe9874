package io.moc.cli;

import io.moc.ctr.eval.EvalMethod;
import io.moc.ctr.eval.EvaluationGrid;
import io.moc.ctr.eval.EvaluationReport;
import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.embed.TextModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/moc evaluate}: the offline CTR evaluation grid. */
@Command(
    name = "evaluate",
    description =
        "The CTR evaluation grid (backbone x item representation x scale x seeds) with early"
            + " stopping on validation AUC: JSON, markdown and figure reports; resumable.")
final class EvaluateCommand extends MocCommand {

  @Mixin DatasetOption dataset;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description =
          "Default reports/evaluate-<dataset>.json; finished cells are kept next to it"
              + " (<report>.cells.jsonl) and skipped when run again.")
  Path report;

  @Mixin Backbones backbones;

  @Option(
      names = "--methods",
      paramLabel = "a,b",
      split = ",",
      description =
          "none, adapter, me, pq, rqvae, moc, moc-heads, moc-concat, moc-mlp, moc-attention,"
              + " unified, moc-dense (the adapter over the chosen code vectors), moc-init and"
              + " moc-mlp-init (code rows start from the codebook vectors), moc-after and"
              + " moc-mlp-after (the fusion on the code fields' outputs of the interaction),"
              + " moc-mlp-dense (moc-mlp's code fields and moc-dense's field together) and"
              + " moc-mlp-dense-init (its code rows from the codebook vectors) (default all).")
  List<EvalMethod> methods;

  @Option(
      names = "--scales",
      paramLabel = "1,2,3,7",
      split = ",",
      defaultValue = "1,2,3,7",
      description = "Codes per item, or embedding sets for me (default ${DEFAULT-VALUE}).")
  List<Integer> scales;

  @Option(names = "--seeds", paramLabel = "N", defaultValue = "3")
  int seeds;

  @Option(names = "--size", paramLabel = "K", defaultValue = "256")
  int size;

  @Option(names = "--dim", paramLabel = "D", defaultValue = "16")
  int dim;

  @Option(names = "--mlp", paramLabel = "64,32", split = ",", defaultValue = "64,32")
  List<Integer> mlp;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "1024")
  int batch;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      defaultValue = "8",
      description = "Most epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--patience",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Epochs without a better validation AUC before stopping (default ${DEFAULT-VALUE}).")
  int patience;

  @Option(names = "--lr", paramLabel = "X", defaultValue = "0.001")
  float lr;

  @Option(
      names = "--train-limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Train on the newest N training examples only (default all).")
  int trainLimit;

  @Option(
      names = "--buckets",
      paramLabel = "N",
      defaultValue = "0",
      description = "Hash buckets of the unified item id (default items/16).")
  int buckets;

  @Option(
      names = "--id-dropout",
      paramLabel = "P",
      defaultValue = "0.1",
      description =
          "Share of training examples whose user and item ids are hidden, so the model learns to"
              + " score items without history (default ${DEFAULT-VALUE}).")
  double idDropout;

  @Option(
      names = "--text-model",
      paramLabel = "NAME",
      defaultValue = "all-minilm-l6-v2-q",
      description =
          "Model that embeds item texts: all-minilm-l6-v2-q (default, 6 layers) or e5-small-v2-q"
              + " (12 layers).")
  TextModel textModel;

  @Option(
      names = "--report-only",
      description = "Write the reports from the cells already finished; run none.")
  boolean reportOnly;

  @Option(
      names = "--quick",
      description =
          "deepfm, none and moc at 2x, one seed, one epoch on the newest 60000 training examples:"
              + " minutes, for CI.")
  boolean quick;

  /** The CTR backbones to run: {@code evaluate} and {@code bench ctr}. */
  static final class Backbones {
    @Option(
        names = "--backbones",
        paramLabel = "a,b",
        split = ",",
        defaultValue = "deepfm,dcnv2,autoint_plus",
        description = "Default ${DEFAULT-VALUE}.")
    List<Backbone> chosen;
  }

  @Override
  public Integer call() throws Exception {
    List<Backbone> backbones = this.backbones.chosen;
    Path data = dataset.data;
    if (!Files.isDirectory(data)) {
      throw new IllegalArgumentException("evaluate needs --data DIR, a dataset directory");
    }
    List<EvalMethod> chosen = methods != null ? methods : EvalMethod.ALL;
    if (quick) {
      backbones = List.of(Backbone.DEEPFM);
      chosen = List.of(EvalMethod.named("none"), EvalMethod.named("moc"));
      scales = List.of(2);
      seeds = 1;
      epochs = 1;
      trainLimit = 60_000;
    }
    Path written =
        report != null
            ? report
            : Path.of(
                "reports", "evaluate-" + data.getFileName() + (quick ? "-quick" : "") + ".json");
    EvaluationGrid.Settings settings =
        new EvaluationGrid.Settings(
            data,
            backbones,
            chosen,
            scales,
            seeds,
            size,
            dim,
            mlp,
            batch,
            epochs,
            patience,
            lr,
            trainLimit,
            idDropout,
            buckets,
            1,
            textModel,
            home().resolve(".moc/cache"));
    new EvaluationReport(out()).run(settings, written, reportOnly);
    return 0;
  }
}
