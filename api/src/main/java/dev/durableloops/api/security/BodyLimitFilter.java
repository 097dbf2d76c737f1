package dev.durableloops.api.security;

import dev.durableloops.api.ApiExceptionHandler;
import dev.durableloops.api.BodyTooLargeException;
import dev.durableloops.api.LoopsProperties;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Caps request bodies of {@code /api/**} and {@code /codec/**} at {@code durable-loops.max-body-size}
 * (default 256 KB): a larger {@code Content-Length} is answered 413 problem+json at once, and a body
 * without one is cut off at the cap while it is read. Authentication is Spring Security's
 * ({@link SecurityConfiguration}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class BodyLimitFilter extends OncePerRequestFilter {

  private final long maxBody;

  BodyLimitFilter(LoopsProperties properties) {
    this.maxBody = properties.maxBodySize().toBytes();
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !request.getRequestURI().startsWith("/api/") && !request.getRequestURI().startsWith("/codec/");
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (request.getContentLengthLong() > maxBody) {
      problem(response, HttpStatus.CONTENT_TOO_LARGE, "too-large", "Request body too large",
          "the body is " + request.getContentLengthLong() + " bytes; at most " + maxBody + " are accepted");
      return;
    }
    chain.doFilter(new CappedBodyRequest(request, maxBody), response);
  }

  static void problem(HttpServletResponse response, HttpStatus status, String type, String title, String detail) throws IOException {
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setCharacterEncoding("UTF-8");
    String body = "{\"type\":\"" + ApiExceptionHandler.TYPE_BASE + type + "\",\"title\":\"" + title + "\",\"status\":" + status.value()
        + ",\"detail\":\"" + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
  }

  /** Counts the bytes of a body without a Content-Length and stops at the cap. */
  private static final class CappedBodyRequest extends HttpServletRequestWrapper {
    private final long max;

    CappedBodyRequest(HttpServletRequest request, long max) {
      super(request);
      this.max = max;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      ServletInputStream in = super.getInputStream();
      return new ServletInputStream() {
        long read;

        @Override
        public int read() throws IOException {
          int b = in.read();
          if (b >= 0 && ++read > max) {
            throw new BodyTooLargeException(max);
          }
          return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
          int n = in.read(buffer, off, len);
          if (n > 0 && (read += n) > max) {
            throw new BodyTooLargeException(max);
          }
          return n;
        }

        @Override
        public boolean isFinished() {
          return in.isFinished();
        }

        @Override
        public boolean isReady() {
          return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
          in.setReadListener(listener);
        }
      };
    }
  }
}
