package io.moc.codebook;

/**
 * What every {@link Codebook} is described by: its method, the embedding model it quantizes, D, M
 * and K. Subclasses check their own parts in their constructors.
 */
public abstract class AbstractCodebook implements Codebook {

  protected final String method;
  protected final String embeddingModel;
  protected final int dimension;
  protected final int numCodebooks;
  protected final int codebookSize;

  protected AbstractCodebook(
      String method, String embeddingModel, int dimension, int numCodebooks, int codebookSize) {
    this.method = method;
    this.embeddingModel = embeddingModel;
    this.dimension = dimension;
    this.numCodebooks = numCodebooks;
    this.codebookSize = codebookSize;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String embeddingModel() {
    return embeddingModel;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public int numCodebooks() {
    return numCodebooks;
  }

  @Override
  public int codebookSize() {
    return codebookSize;
  }
}
