package io.moc.testing;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.moc.ctr.model.CtrModel;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class with PyTorch on one thread and restores the thread count afterwards. On two
 * shared cores PyTorch's second OpenMP thread spins against whatever else runs and makes small
 * steps far slower, and bit-identical continuation needs a fixed thread count.
 */
public final class OneTorchThread implements BeforeAllCallback, AfterAllCallback {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(OneTorchThread.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    Engine.getEngine(CtrModel.ENGINE);
    context.getStore(NAMESPACE).put("threadsBefore", JniUtils.getNumThreads());
    JniUtils.setNumThreads(1);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    JniUtils.setNumThreads(context.getStore(NAMESPACE).get("threadsBefore", Integer.class));
  }
}
