package dev.promptbatch.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.prometheus.metrics.exporter.pushgateway.Format;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.prometheus.metrics.exporter.pushgateway.Scheme;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * A Prometheus Pushgateway that receives a run's metrics as the group {@code /metrics/job/JOB}, replaced whole at
 * each push (HTTP PUT), in the text format.
 */
public final class Pushgateway {
    /** A gateway that does not answer must not hold up the end of a run for long. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final URI url;

    private Pushgateway(URI url) {
        this.url = url;
    }

    /** The gateway at {@code http(s)://[user:password@]host[:port][/path]}; a clear message when it is not one. */
    public static Pushgateway of(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("expected a URL such as http://pushgateway:9091, got '" + url + "'");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || uri.getHost() == null
                || uri.getQuery() != null
                || uri.getFragment() != null) {
            throw new IllegalArgumentException("expected a URL such as http://pushgateway:9091, got '" + url + "'");
        }
        return new Pushgateway(uri);
    }

    /** The URL without user and password, for messages. */
    public String display() {
        return url.getScheme() + "://" + address();
    }

    /** Replaces the job's group with the metrics. */
    public void push(String job, MetricSnapshots metrics) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(() -> metrics);
        PushGateway.Builder gateway = PushGateway.builder()
                .scheme("https".equals(url.getScheme()) ? Scheme.HTTPS : Scheme.HTTP)
                .address(address())
                .job(job)
                .registry(registry)
                .format(Format.PROMETHEUS_TEXT)
                .connectionTimeout(CONNECT_TIMEOUT)
                .readTimeout(READ_TIMEOUT);
        String userInfo = url.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            gateway.basicAuth(
                    decode(colon < 0 ? userInfo : userInfo.substring(0, colon)),
                    colon < 0 ? "" : decode(userInfo.substring(colon + 1)));
        }
        gateway.build().push();
    }

    /** host:port and any path before {@code /metrics}, as the client expects it. */
    private String address() {
        String path = url.getRawPath() == null ? "" : url.getRawPath().replaceAll("/+$", "");
        return url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()) + path;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
