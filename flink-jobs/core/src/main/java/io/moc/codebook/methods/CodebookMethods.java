package io.moc.codebook.methods;

import io.moc.codebook.CodebookTrainer;
import io.moc.codebook.ProjectedKMeansCodebook;
import io.moc.codebook.ProjectedKMeansTrainer;
import io.moc.codebook.vq.VqCodebook;
import io.moc.codebook.vq.VqVaeConfig;
import io.moc.codebook.vq.VqVaeTrainer;
import java.util.List;

/** The codebook methods by name, for the job's option and the offline commands. */
public final class CodebookMethods {

  private CodebookMethods() {}

  /** Every method the trainers know, in the order reports list them. */
  public static final List<String> ALL =
      List.of(
          ProjectedKMeansCodebook.KMEANS,
          ProjectedKMeansCodebook.PQ,
          ProjectedKMeansCodebook.METHOD,
          VqCodebook.RQVAE,
          VqCodebook.MOC,
          VqCodebook.MOC_HEADS);

  /**
   * Trainers with the given M, K and seed; the VQ-VAE methods ({@code moc}, {@code moc-heads},
   * {@code rqvae}) take their network sizes and schedule from {@link VqVaeConfig#defaults()}.
   *
   * @param projectedDimension used by {@code projected-kmeans} only
   * @throws IllegalArgumentException for an unknown method
   */
  public static CodebookTrainer trainer(
      String method,
      int numCodebooks,
      int codebookSize,
      int projectedDimension,
      int iterations,
      long seed) {
    return switch (method) {
      case ProjectedKMeansCodebook.METHOD ->
          new ProjectedKMeansTrainer(
              numCodebooks, codebookSize, projectedDimension, iterations, seed);
      case ProjectedKMeansCodebook.PQ ->
          ProjectedKMeansTrainer.productQuantization(numCodebooks, codebookSize, iterations, seed);
      case ProjectedKMeansCodebook.KMEANS ->
          ProjectedKMeansTrainer.kmeans(codebookSize, iterations, seed);
      case VqCodebook.MOC, VqCodebook.MOC_HEADS, VqCodebook.RQVAE ->
          VqVaeTrainer.create(
              method,
              VqVaeConfig.defaults().withCodebooks(numCodebooks, codebookSize).withSeed(seed));
      default ->
          throw new IllegalArgumentException(
              "unknown codebook method " + method + "; known: " + ALL);
    };
  }
}
