package dev.promptbatch.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.prompt.PromptTemplate;
import dev.promptbatch.spec.JobSpec;

/**
 * Turns a record's image fields into what Ollama takes: standard base64 with {@code =} padding and no {@code data:}
 * prefix, one string per image, whatever the request that carries them (generate's {@code images}, or a chat's last
 * user message).
 *
 * <p>A field's text is read as a path first: when a file exists there (relative paths from the working directory),
 * its bytes are the image. Otherwise text of at least {@value #SHORTEST_BASE64} characters that decodes as strict
 * padded base64 is taken as the image itself; no image file is that small, and a path with a dot in it is never
 * base64. Anything else names a file that is not there. An empty field (absent, null or {@code ""}) has no image.
 */
public final class ImageLoader {
    /** The base64 length of 48 bytes: shorter text is a path, never an image (the smallest PNG is 67 bytes). */
    static final int SHORTEST_BASE64 = 64;

    /** Longer text is no path on any common system: base64, or nothing, without asking the file system. */
    private static final int LONGEST_PATH = 4096;

    private final JobSpec.Images images;

    public ImageLoader(JobSpec.Images images) {
        this.images = images;
    }

    /** Where an image comes from: a file, or base64 text in the field itself. */
    private sealed interface Source permits ImageFile, InlineBase64 {}

    private record ImageFile(Path path, String written) implements Source {}

    private record InlineBase64(String text) implements Source {}

    /**
     * The record's images in the order of the {@code images} fields, empty fields left out.
     *
     * @throws ImageException when an image is missing, unreadable or too large: the record is bad
     */
    public List<String> load(ObjectNode fields) {
        List<String> loaded = new ArrayList<>();
        for (String field : images.fields()) {
            Optional<Source> source = source(fields, field);
            if (source.isEmpty()) {
                continue;
            }
            if (source.get() instanceof InlineBase64 inline) {
                loaded.add(inline.text());
            } else {
                ImageFile file = (ImageFile) source.get();
                loaded.add(Base64.getEncoder().encodeToString(read(field, file)));
            }
        }
        return List.copyOf(loaded);
    }

    /** Whether any of the record's {@code images} fields holds a value: a misspelt field name holds none anywhere. */
    public boolean anyImageField(ObjectNode fields) {
        return images.fields().stream()
                .map(field -> PromptTemplate.lookup(fields, field))
                .anyMatch(value -> value != null
                        && !value.isMissingNode()
                        && !value.isNull()
                        && !(value.isString() && value.asString().isEmpty()));
    }

    /**
     * Feeds every image file the record names into {@code digest}, in field order: its name and the SHA-256 of its
     * bytes, or a mark when it cannot be read (its record will be bad). A missing file adds nothing; base64 in the
     * field is part of the input's own hash.
     */
    public void digestFiles(ObjectNode fields, MessageDigest digest) {
        for (String field : images.fields()) {
            Optional<Source> source;
            try {
                source = source(fields, field);
            } catch (ImageException notAnImage) {
                continue;
            }
            if (source.isPresent() && source.get() instanceof ImageFile file) {
                digest.update(file.written().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                try (InputStream in = Files.newInputStream(file.path())) {
                    MessageDigest content = sha256();
                    byte[] buffer = new byte[1 << 16];
                    for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                        content.update(buffer, 0, n);
                    }
                    digest.update(content.digest());
                } catch (IOException unreadable) {
                    digest.update((byte) 1);
                }
            }
        }
    }

    private Optional<Source> source(ObjectNode fields, String field) {
        JsonNode value = PromptTemplate.lookup(fields, field);
        if (value == null || value.isMissingNode() || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isString()) {
            throw new ImageException(
                    "field '" + field + "' holds " + kind(value) + ", not an image file path or base64 text");
        }
        String text = value.asString();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Path path = text.length() <= LONGEST_PATH ? path(text) : null;
        if (path != null && Files.exists(path)) {
            return Optional.of(new ImageFile(path, text));
        }
        Integer bytes = base64Bytes(text);
        if (bytes != null) {
            if (bytes > images.maxBytes()) {
                throw new ImageException("field '" + field + "': the base64 image in it is " + bytes
                        + " bytes, more than max-image-size (" + images.maxBytes() + " bytes)");
            }
            return Optional.of(new InlineBase64(text));
        }
        throw new ImageException("field '" + field + "': image file " + text + " does not exist");
    }

    private byte[] read(String field, ImageFile file) {
        try {
            if (!Files.isRegularFile(file.path())) {
                throw new ImageException("field '" + field + "': image file " + file.written() + " is not a file");
            }
            long size = Files.size(file.path());
            if (size > images.maxBytes()) {
                throw new ImageException(tooLarge(field, file, size));
            }
            byte[] bytes = Files.readAllBytes(file.path());
            // It may have grown since its size was read.
            if (bytes.length > images.maxBytes()) {
                throw new ImageException(tooLarge(field, file, bytes.length));
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ImageException("field '" + field + "': image file " + file.written() + " does not exist");
        } catch (AccessDeniedException e) {
            throw new ImageException(
                    "field '" + field + "': cannot read image file " + file.written() + ": permission denied");
        } catch (IOException e) {
            throw new ImageException(
                    "field '" + field + "': cannot read image file " + file.written() + ": " + e.getMessage());
        }
    }

    private String tooLarge(String field, ImageFile file, long size) {
        return "field '" + field + "': image file " + file.written() + " is " + size
                + " bytes, more than max-image-size (" + images.maxBytes() + " bytes)";
    }

    private Path path(String text) {
        try {
            return images.directory().resolve(text).normalize();
        } catch (InvalidPathException notAPath) {
            return null;
        }
    }

    /** The decoded length of strict, padded, standard base64 text of at least {@link #SHORTEST_BASE64}, or null. */
    static Integer base64Bytes(String text) {
        if (text.length() < SHORTEST_BASE64 || text.length() % 4 != 0) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(text).length;
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }

    private static String kind(JsonNode value) {
        if (value.isArray()) {
            return "an array";
        }
        if (value.isObject()) {
            return "an object";
        }
        return value.isNumber() ? "a number" : "a " + value.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
