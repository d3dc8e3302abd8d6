package dev.promptbatch.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.promptbatch.images.ImageLoader;
import dev.promptbatch.input.DataRecord;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;
import dev.promptbatch.spec.JobSpec;
import dev.promptbatch.spec.SpecValues;

/**
 * What a run's output depends on: the input file (size and SHA-256), the image files its records name (one SHA-256
 * over them all, for a job with {@code images}) and the parts of the spec that shape the answers and where they go.
 * Kept with each execution, so that resuming after any of them changed can be refused: mixing two inputs, two photos
 * of a record or two prompts in one output is never right.
 *
 * @param imagesSha256 null for a job without images
 */
record RunFingerprint(
        long inputSize,
        String inputSha256,
        String specSha256,
        String output,
        @Nullable String imagesSha256) {
    static final String INPUT_SIZE = "promptbatch.input-size";
    static final String INPUT_SHA256 = "promptbatch.input-sha256";
    static final String SPEC_SHA256 = "promptbatch.spec-sha256";
    static final String OUTPUT = "promptbatch.output";
    static final String IMAGES_SHA256 = "promptbatch.images-sha256";

    private static final JsonMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    static RunFingerprint of(JobSpec spec) {
        MessageDigest specDigest = sha256();
        specDigest.update(CANONICAL.writeValueAsBytes(SpecValues.shapingAnswers(spec)));
        MessageDigest inputDigest = sha256();
        long size = 0;
        try (InputStream in = Files.newInputStream(spec.input().file())) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                inputDigest.update(buffer, 0, n);
                size += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new RunFingerprint(
                size,
                HexFormat.of().formatHex(inputDigest.digest()),
                HexFormat.of().formatHex(specDigest.digest()),
                spec.output().file().toString(),
                imagesSha256(spec));
    }

    /** One SHA-256 over the image files of every record in input order; null without images. */
    private static String imagesSha256(JobSpec spec) {
        if (!spec.input().images().any()) {
            return null;
        }
        ImageLoader images = new ImageLoader(spec.input().images());
        MessageDigest digest = sha256();
        try (RecordReader reader =
                RecordReader.open(spec.input().file(), spec.input().maxRecordBytes())) {
            for (InputRecord record = reader.next(); record != null; record = reader.next()) {
                if (record instanceof DataRecord data) {
                    images.digestFiles(data.fields(), digest);
                }
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    void addTo(JobParametersBuilder builder) {
        builder.addLong(INPUT_SIZE, inputSize, false);
        builder.addString(INPUT_SHA256, inputSha256, false);
        builder.addString(SPEC_SHA256, specSha256, false);
        builder.addString(OUTPUT, output, false);
        if (imagesSha256 != null) {
            builder.addString(IMAGES_SHA256, imagesSha256, false);
        }
    }

    /** The output the execution that ran with {@code earlier} wrote, when it is not the one the spec names now. */
    Optional<String> otherOutputThan(JobParameters earlier) {
        String earlierOutput = earlier.getString(OUTPUT);
        return earlierOutput == null || earlierOutput.equals(output) ? Optional.empty() : Optional.of(earlierOutput);
    }

    /** What changed since the execution that ran with {@code earlier}, or empty when nothing did. */
    Optional<String> changeSince(JobParameters earlier, JobSpec spec) {
        String earlierInput = earlier.getString(INPUT_SHA256);
        if (earlierInput != null && !earlierInput.equals(inputSha256)) {
            return Optional.of(spec.input().file() + " changed (it was " + earlier.getLong(INPUT_SIZE) + " bytes with "
                    + "SHA-256 " + earlierInput.substring(0, 12) + "..., it is " + inputSize + " bytes with SHA-256 "
                    + inputSha256.substring(0, 12) + "...)");
        }
        String earlierImages = earlier.getString(IMAGES_SHA256);
        if (earlierImages != null && imagesSha256 != null && !earlierImages.equals(imagesSha256)) {
            return Optional.of("the image files that " + spec.input().file() + " names changed (SHA-256 over them was "
                    + earlierImages.substring(0, 12) + "..., it is " + imagesSha256.substring(0, 12) + "...)");
        }
        String earlierSpec = earlier.getString(SPEC_SHA256);
        if (earlierSpec != null && !earlierSpec.equals(specSha256)) {
            List<String> keys = SpecValues.shapingKeys();
            return Optional.of(spec.specFile() + " changed in what shapes the answers ("
                    + String.join(", ", keys.subList(0, keys.size() - 1)) + " or " + keys.get(keys.size() - 1) + ")");
        }
        return Optional.empty();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
