/** The optimiser every model of the project trains with, its state open to checkpoints. */
package io.moc.optim;
