package dev.promptbatch.images;

/** An image a record names cannot be sent: missing, unreadable or too large. The record is bad. */
public final class ImageException extends RuntimeException {
    public ImageException(String message) {
        super(message);
    }
}
