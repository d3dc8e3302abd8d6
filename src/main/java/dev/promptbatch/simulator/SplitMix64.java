package dev.promptbatch.simulator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SplitMix64: tiny, fast and fully specified here, so a seed gives the same answer on every JDK (the JDK's
 * generators do not promise that across versions). Not thread-safe: one instance per answer.
 */
final class SplitMix64 {
    private long state;

    SplitMix64(long seed) {
        state = seed;
    }

    /** Seeded by the SHA-256 of the length-prefixed parts, so that no two different part lists share a seed. */
    static SplitMix64 of(Iterable<String> parts) {
        return new SplitMix64(hash(parts));
    }

    static long hash(Iterable<String> parts) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            sha256.update(
                    ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
            sha256.update(bytes);
        }
        return ByteBuffer.wrap(sha256.digest()).getLong();
    }

    long nextLong() {
        long z = state += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1). */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound); the modulo bias is negligible for the small bounds used here. */
    int nextInt(int bound) {
        return (int) ((nextLong() >>> 1) % bound);
    }

    /** Uniform in [from, to], both inclusive. */
    long nextLong(long from, long to) {
        return from + (long) Math.floor(nextDouble() * (to - from + 1.0));
    }

    /** Standard normal, by the Box-Muller transform. */
    double nextGaussian() {
        double u1 = 1 - nextDouble(); // in (0, 1], so the logarithm is finite
        double u2 = nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
