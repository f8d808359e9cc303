package bench

// BenchmarkAdmissionLoad: the webhook under a fixed request rate on loopback. See
// bench/README.md, "Admission webhook (issue 8)".

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/bench/gen"
	"github.com/eksguard/eksguard/internal/admission"
)

// admissionReviews builds AdmissionReview bodies from the generated corpus: every workload
// as itself and, for Deployments, its template as the Pod the ReplicaSet would create.
func admissionReviews(b *testing.B) [][]byte {
	b.Helper()
	dir := b.TempDir()
	if err := gen.Write(dir, 600, true); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "corpus.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	groups := map[string]string{"Deployment": "apps", "StatefulSet": "apps", "DaemonSet": "apps", "Job": "batch", "CronJob": "batch"}
	resources := map[string]string{"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets", "Job": "jobs", "CronJob": "cronjobs", "Pod": "pods"}
	var out [][]byte
	add := func(obj map[string]any, kind, group string) {
		md, _ := obj["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		name, _ := md["name"].(string)
		raw, err := json.Marshal(obj)
		if err != nil {
			b.Fatal(err)
		}
		version := "v1"
		review := admissionv1.AdmissionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
			Request: &admissionv1.AdmissionRequest{
				UID:       types.UID(fmt.Sprintf("uid-%d", len(out))),
				Kind:      metav1.GroupVersionKind{Group: group, Version: version, Kind: kind},
				Resource:  metav1.GroupVersionResource{Group: group, Version: version, Resource: resources[kind]},
				Namespace: ns, Name: name, Operation: admissionv1.Create,
				Object: runtime.RawExtension{Raw: raw},
			},
		}
		body, err := json.Marshal(review)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, body)
	}
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var obj map[string]any
		if yaml.Unmarshal(doc, &obj) != nil || obj == nil {
			continue
		}
		kind, _ := obj["kind"].(string)
		group, ok := groups[kind]
		if !ok {
			continue
		}
		add(obj, kind, group)
		if kind == "Deployment" {
			spec, _ := obj["spec"].(map[string]any)
			tmpl, _ := spec["template"].(map[string]any)
			md, _ := obj["metadata"].(map[string]any)
			pmd, _ := tmpl["metadata"].(map[string]any)
			if pmd == nil {
				pmd = map[string]any{}
			}
			pmd["name"], pmd["namespace"] = fmt.Sprint(md["name"], "-5d4f8b7c9-x2x7q"), md["namespace"]
			add(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": pmd, "spec": tmpl["spec"]}, "Pod", "")
		}
	}
	if len(out) < 100 {
		b.Fatalf("only %d reviews", len(out))
	}
	return out
}

// processCPU is the user+system CPU time of a process, from /proc.
func processCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

// BenchmarkAdmissionLoad runs `eksguard webhook` (the real binary, mode enforce, every
// check) and sends it realistic Pod and workload AdmissionReviews over loopback HTTPS at a
// fixed rate (EKSGUARD_ADMISSION_RPS, default 500) for a fixed time (EKSGUARD_ADMISSION_SECONDS,
// default 30; CI runs 3). It reports client-side p50/p99/max latency and the webhook
// process's CPU use, apart from the load generator's. Run with -benchtime 1x.
func BenchmarkAdmissionLoad(b *testing.B) {
	rate := envInt("EKSGUARD_ADMISSION_RPS", 500)
	seconds := envInt("EKSGUARD_ADMISSION_SECONDS", 30)
	reviews := admissionReviews(b)
	bin := buildCLI(b)
	dir := b.TempDir()
	caPEM, certPEM, keyPEM, err := admission.SelfSignedServing("eksguard-webhook", "eksguard-system", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for name, data := range map[string][]byte{"tls.crt": certPEM, "tls.key": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "webhook", "--listen", addr, "--tls-cert-file", filepath.Join(dir, "tls.crt"),
		"--tls-private-key-file", filepath.Join(dir, "tls.key"), "--mode", "enforce", "--namespace-modes=false", "--log-level", "error")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: 256, ForceAttemptHTTP2: true,
	}}
	url := "https://" + addr + admission.ValidatePath
	send := func(body []byte) (time.Duration, error) {
		start := time.Now()
		resp, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(resp.Body).Decode(&review); err != nil || review.Response == nil {
			io.Copy(io.Discard, resp.Body)
			return 0, fmt.Errorf("status %d: bad review (%v)", resp.StatusCode, err)
		}
		return time.Since(start), nil
	}
	// Wait for the server, then warm up connections and caches.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := send(reviews[0]); err == nil {
			break
		} else if time.Now().After(deadline) {
			b.Fatalf("webhook not serving: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, r := range reviews[:min(200, len(reviews))] {
		if _, err := send(r); err != nil {
			b.Fatal(err)
		}
	}

	cpuBefore, err := processCPU(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  int
		wg        sync.WaitGroup
	)
	inflight := make(chan struct{}, 512)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	started := time.Now()
	b.ResetTimer()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
		case <-tick.C:
			select {
			case inflight <- struct{}{}:
			default:
				mu.Lock()
				failures++ // the server fell so far behind that 512 requests are open
				mu.Unlock()
				continue
			}
			wg.Add(1)
			go func(body []byte) {
				defer func() { <-inflight; wg.Done() }()
				d, err := send(body)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failures++
					return
				}
				latencies = append(latencies, d)
			}(reviews[i%len(reviews)])
			continue
		}
		break
	}
	wg.Wait()
	elapsed := time.Since(started)
	b.StopTimer()
	cpuAfter, err := processCPU(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric((cpuAfter-cpuBefore).Seconds()/elapsed.Seconds(), "webhook-cores")
	b.ReportMetric(float64(failures), "failed")
	if failures > 0 {
		b.Errorf("%d of %d requests failed", failures, failures+len(latencies))
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
