package dev.promptbatch.simulator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;

/**
 * A native request made inside the server, as Ollama's {@code /v1} middleware rewrites a request and lets the native
 * handler answer it: the body is given, the answer is kept for translation instead of being sent.
 */
final class CapturedExchange extends HttpExchange {

    private final HttpExchange outer;
    private final String path;
    private final InputStream requestBody;
    private final Headers responseHeaders = new Headers();
    private final ByteArrayOutputStream responseBody = new ByteArrayOutputStream();
    private int status = -1;
    private long declaredLength;

    CapturedExchange(HttpExchange outer, String path, byte[] body) {
        this.outer = outer;
        this.path = path;
        this.requestBody = new ByteArrayInputStream(body);
    }

    /** The native status, or -1 when the handler sent none (the server closed without answering). */
    int status() {
        return status;
    }

    byte[] body() {
        return responseBody.toByteArray();
    }

    /** Whether the handler announced a longer body than it wrote: a connection cut mid-answer. */
    boolean cutShort() {
        return declaredLength > responseBody.size();
    }

    @Override
    public Headers getRequestHeaders() {
        return outer.getRequestHeaders();
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return URI.create(path);
    }

    @Override
    public String getRequestMethod() {
        return "POST";
    }

    @Override
    public HttpContext getHttpContext() {
        return outer.getHttpContext();
    }

    @Override
    public void close() {
        // The outer exchange is answered and closed by the translation.
    }

    @Override
    public InputStream getRequestBody() {
        return requestBody;
    }

    @Override
    public OutputStream getResponseBody() {
        return responseBody;
    }

    @Override
    public void sendResponseHeaders(int code, long length) {
        status = code;
        declaredLength = length;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return outer.getRemoteAddress();
    }

    @Override
    public int getResponseCode() {
        return status;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return outer.getLocalAddress();
    }

    @Override
    public String getProtocol() {
        return outer.getProtocol();
    }

    @Override
    public Object getAttribute(String name) {
        return null;
    }

    @Override
    public void setAttribute(String name, Object value) {
        throw new UnsupportedOperationException("a captured exchange keeps no attributes");
    }

    @Override
    public void setStreams(InputStream in, OutputStream out) {
        throw new UnsupportedOperationException("a captured exchange keeps its own streams");
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return null;
    }
}
