package admission

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	admissionv1 "k8s.io/api/admission/v1"
)

// maxReviewBytes bounds a request body: the API server caps objects at 3 MiB (etcd's
// limit), and the review wraps the object and its old version.
const maxReviewBytes = 8 << 20

// ValidatePath is where the webhook configuration sends reviews.
const ValidatePath = "/validate"

// Handler serves AdmissionReviews on ValidatePath, and /healthz, /readyz and /metrics.
func Handler(r *Reviewer, metrics *Metrics, ready func() bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ValidatePath, func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(io.LimitReader(req.Body, maxReviewBytes+1))
		if err != nil {
			http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) > maxReviewBytes {
			http.Error(w, "AdmissionReview larger than 8 MiB", http.StatusRequestEntityTooLarge)
			return
		}
		var review admissionv1.AdmissionReview
		if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
			if err == nil {
				err = errors.New("no request")
			}
			http.Error(w, "decode AdmissionReview: "+err.Error(), http.StatusBadRequest)
			return
		}
		out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: r.Review(req.Context(), review.Request)}
		if out.APIVersion == "" {
			out.APIVersion, out.Kind = "admission.k8s.io/v1", "AdmissionReview"
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(out); err != nil {
			http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(buf.Bytes())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil && !ready() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	if metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(metrics.registry, promhttp.HandlerOpts{}))
	}
	return mux
}

// CertReloader serves the key pair in two files and reloads it when either changes, so a
// certificate rotated by cert-manager (or a re-run of `eksguard webhook certs`) is picked up
// without a restart.
type CertReloader struct {
	certFile, keyFile string
	mu                sync.Mutex
	cert              *tls.Certificate
	stamp             string
	checked           time.Time
	loaded            atomic.Bool
}

// NewCertReloader loads the pair once; the error names the file that failed.
func NewCertReloader(certFile, keyFile string) (*CertReloader, error) {
	c := &CertReloader{certFile: certFile, keyFile: keyFile}
	if _, err := c.get(); err != nil {
		return nil, err
	}
	return c, nil
}

func stampOf(files ...string) (string, error) {
	var s string
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("stat %s: %w", f, err)
		}
		s += fmt.Sprintf("%s:%d:%d;", f, fi.Size(), fi.ModTime().UnixNano())
	}
	return s, nil
}

// reloadInterval bounds how often the files are looked at.
const reloadInterval = time.Second

func (c *CertReloader) get() (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cert != nil && time.Since(c.checked) < reloadInterval {
		return c.cert, nil
	}
	c.checked = time.Now()
	stamp, err := stampOf(c.certFile, c.keyFile)
	if err != nil {
		if c.cert != nil {
			return c.cert, nil // mid-rotation: keep serving the pair we have
		}
		return nil, err
	}
	if stamp == c.stamp && c.cert != nil {
		return c.cert, nil
	}
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		if c.cert != nil {
			return c.cert, nil
		}
		return nil, fmt.Errorf("load key pair %s, %s: %w", c.certFile, c.keyFile, err)
	}
	c.cert, c.stamp = &pair, stamp
	c.loaded.Store(true)
	return c.cert, nil
}

// GetCertificate is tls.Config.GetCertificate.
func (c *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.get() }

// TLSConfig is the server's TLS configuration: TLS 1.2 at least, the reloaded pair.
func (c *CertReloader) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate, NextProtos: []string{"h2", "http/1.1"}}
}

// Serve runs the HTTPS server on l until ctx ends, then shuts it down gracefully.
func Serve(ctx context.Context, l net.Listener, h http.Handler, certs *CertReloader, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         certs.TLSConfig(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(l, "", "") }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
