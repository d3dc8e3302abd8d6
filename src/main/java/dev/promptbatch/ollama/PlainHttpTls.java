package dev.promptbatch.ollama;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS context of an HTTP client that only ever speaks plain HTTP. The JDK's client wants one even then, and its
 * default loads and parses the whole trust store, for nothing (0.14 s of CPU in a program that only builds the
 * client). This one has no keys and trusts no certificate, so should TLS ever be spoken with it, the handshake
 * fails.
 */
final class PlainHttpTls {
    private PlainHttpTls() {}

    /** Made once, on first use. */
    static SSLContext context() {
        return Holder.CONTEXT;
    }

    private static final class Holder {
        static final SSLContext CONTEXT = create();

        private static SSLContext create() {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(new KeyManager[0], new TrustManager[] {new TrustingNothing()}, null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("no TLS context in this JDK: " + e.getMessage(), e);
            }
        }
    }

    private static final class TrustingNothing implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a plain-HTTP client trusts no certificate");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a plain-HTTP client trusts no certificate");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
