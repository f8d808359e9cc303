package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/source/kube"
)

// faults is a proxy in front of the test API server that fails chosen list calls: each path
// maps to the faults its next requests get, in order ("" passes one through); a path marked
// always fails every time.
type faults struct {
	mu     sync.Mutex
	next   map[string][]string
	always map[string]string
	seen   map[string]int
}

func (f *faults) fault(path string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen[path]++
	if a, ok := f.always[path]; ok {
		return a
	}
	if q := f.next[path]; len(q) > 0 {
		f.next[path] = q[1:]
		return q[0]
	}
	return ""
}

// TestTransientErrorsAreRetried: throttling, server errors and dropped connections are
// retried with backoff and the scan gets everything; an error that outlasts the retries
// becomes a gap with reason error, and the rest of the cluster is still collected.
func TestTransientErrorsAreRetried(t *testing.T) {
	apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: flaky}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: survives, namespace: flaky}
---
apiVersion: v1
kind: Service
metadata: {name: survives, namespace: flaky}
spec: {ports: [{port: 80}]}
`)
	f := &faults{
		next: map[string][]string{
			"/api/v1/configmaps":       {"503", "429"},
			"/api/v1/services":         {"reset"},
			"/apis/apps/v1/daemonsets": {"504"},
			"/api/v1/secrets":          {"500"},
			"/api/v1/namespaces":       {"slow"},
		},
		always: map[string]string{"/api/v1/pods": "500"},
		seen:   map[string]int{},
	}
	proxy := newProxy(t, func(w http.ResponseWriter, r *http.Request, upstream http.Handler) {
		switch fault := f.fault(r.URL.Path); fault {
		case "":
			upstream.ServeHTTP(w, r)
		case "slow": // longer than the request timeout
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "reset":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		default:
			w.Header().Set("Content-Type", "text/plain")
			http.Error(w, "injected "+fault, map[string]int{"429": 429, "500": 500, "503": 503, "504": 504}[fault])
		}
	})

	backoff := wait.Backoff{Duration: 10 * time.Millisecond, Factor: 2, Steps: 3}
	var mu sync.Mutex
	var log []string
	inv := collect(t, kube.Options{
		RESTConfig:     &rest.Config{Host: proxy.URL},
		Backoff:        &backoff,
		RequestTimeout: time.Second,
		Debugf: func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			log = append(log, format)
		},
	})
	if len(inv.Gaps) != 1 {
		t.Fatalf("gaps %+v, want one for pods", inv.Gaps)
	}
	g := inv.Gaps[0]
	if g.Kind != "Pod" || g.Resource != "v1/pods" || g.Reason != inventory.GapError || !strings.Contains(g.Message, "gave up after 3 tries") {
		t.Errorf("gap %+v", g)
	}
	if n := f.seen["/api/v1/pods"]; n != 3 {
		t.Errorf("pods listed %d times, want 3 (the backoff's steps)", n)
	}
	if len(objects(inv, "Namespace", "")) == 0 {
		t.Error("Namespaces were not collected after a request timed out")
	}
	for _, kind := range []string{"ConfigMap", "Service"} {
		if len(objects(inv, kind, "flaky")) != 1 {
			t.Errorf("%s survives was not collected after retries", kind)
		}
	}
	for path, q := range f.next {
		if len(q) > 0 {
			t.Errorf("%s: faults %v were never served", path, q)
		}
	}
	if len(log) == 0 {
		t.Error("retries must be logged to the debug log")
	}
	for _, o := range inv.Objects {
		if o.Kind == "Pod" {
			t.Errorf("%s: objects of a kind with a gap must be dropped", o.ObjectRef)
		}
	}
}

// newProxy serves the test API server through handle, which decides per request whether to
// pass it upstream (with the admin's credentials). Clients connect with plain HTTP.
func newProxy(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, upstream http.Handler)) *httptest.Server {
	t.Helper()
	transport, err := rest.TransportFor(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(env.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	upstream := httputil.NewSingleHostReverseProxy(target)
	upstream.Transport = transport
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handle(w, r, upstream) }))
	t.Cleanup(proxy.Close)
	return proxy
}

// TestConcurrencyIsBounded: no more list calls than Options.Concurrency are in flight at once,
// and with a bound above one, lists do run in parallel.
func TestConcurrencyIsBounded(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	proxy := newProxy(t, func(w http.ResponseWriter, r *http.Request, upstream http.Handler) {
		if r.URL.Query().Get("limit") == "" { // discovery, not a list call
			upstream.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // let calls overlap
		upstream.ServeHTTP(w, r)
		mu.Lock()
		inFlight--
		mu.Unlock()
	})
	for _, limit := range []int{1, 3} {
		most = 0
		collect(t, kube.Options{RESTConfig: &rest.Config{Host: proxy.URL}, Concurrency: limit})
		if most > limit || (limit > 1 && most < 2) {
			t.Errorf("concurrency %d: %d list calls in flight at most", limit, most)
		}
	}
}
