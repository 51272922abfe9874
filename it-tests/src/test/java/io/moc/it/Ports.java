package io.moc.it;

import java.net.ServerSocket;

/** Free local ports for the brokers the tests start in their own JVMs. */
final class Ports {

  private Ports() {}

  /** A port that is free, with the next one (the broker's controller port) free too. */
  static int freePair() throws Exception {
    for (int attempt = 0; attempt < 20; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      try (ServerSocket next = new ServerSocket(port + 1)) {
        return port;
      } catch (java.io.IOException taken) {
        // try another pair
      }
    }
    throw new IllegalStateException("no free port pair");
  }
}
