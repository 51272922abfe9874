/**
 * Offline evaluation, in one place: the CTR grid on the real datasets and its reports, the codebook
 * methods compared, and an online snapshot against its offline twin.
 */
package io.moc.ctr.eval;
