package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time                         { return c.t }
func (c *fakeClock) advance(d time.Duration)                { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock                              { return &fakeClock{t: time.Unix(1_800_000_000, 0)} }
func frames(out string) []string                            { return strings.Split(out, "\r")[1:] }
func lastFrame(out string) string                           { f := frames(out); return strings.TrimRight(f[len(f)-1], " ") }
func progressFor(buf *bytes.Buffer, c *fakeClock) *progress { return newProgressTo(buf, c.now) }

func TestProgressRendering(t *testing.T) {
	var buf bytes.Buffer
	clock := newFakeClock()
	p := progressFor(&buf, clock)

	p.Update("Pod", 500, false)
	if got, want := lastFrame(buf.String()), "listing pods… 500"; got != want {
		t.Errorf("first frame %q, want %q", got, want)
	}
	// Within the redraw interval nothing is written.
	n := buf.Len()
	p.Update("Pod", 1000, false)
	if buf.Len() != n {
		t.Errorf("redrawn within %v: %q", progressInterval, buf.String()[n:])
	}
	clock.advance(progressInterval)
	p.Update("Pod", 1234, false)
	if got, want := lastFrame(buf.String()), "listing pods… 1,234"; got != want {
		t.Errorf("frame %q, want %q", got, want)
	}
	clock.advance(progressInterval)
	p.Update("Service", 20, false)
	p.Update("Service", 40, true) // throttled, but counted
	clock.advance(progressInterval)
	p.Update("Pod", 10500, false)
	if got, want := lastFrame(buf.String()), "listing pods… 10,500 (1 kind done, 40 objects)"; got != want {
		t.Errorf("frame %q, want %q", got, want)
	}
	clock.advance(progressInterval)
	p.Update("Pod", 12000, true)
	if got, want := lastFrame(buf.String()), "listing… (2 kinds done, 12,040 objects)"; got != want {
		t.Errorf("frame %q, want %q", got, want)
	}
	// A shorter frame blanks what is left of the longer one before it.
	for _, f := range frames(buf.String()) {
		if strings.Contains(f, "\n") {
			t.Errorf("frame %q has a newline", f)
		}
	}
	fs := frames(buf.String())
	if len(fs[len(fs)-1]) < len(fs[len(fs)-2]) {
		t.Errorf("frame %q does not cover %q", fs[len(fs)-1], fs[len(fs)-2])
	}
	// Finish erases the line and leaves the cursor at its start.
	before := buf.Len()
	p.Finish()
	tail := buf.String()[before:]
	if strings.TrimSpace(strings.ReplaceAll(tail, "\r", "")) != "" || !strings.HasSuffix(tail, "\r") || !strings.HasPrefix(tail, "\r") {
		t.Errorf("finish wrote %q", tail)
	}
	// A repeated done report counts once.
	p.Update("Pod", 12000, true)
	if p.done != 2 || p.objects != 12040 {
		t.Errorf("done %d objects %d after a repeated report", p.done, p.objects)
	}
}

func TestProgressShowsLatestActiveKind(t *testing.T) {
	var buf bytes.Buffer
	clock := newFakeClock()
	p := progressFor(&buf, clock)
	p.Update("Pod", 100, false)
	clock.advance(time.Second)
	p.Update("Deployment.apps", 7, false)
	clock.advance(time.Second)
	p.Update("Role.rbac.authorization.k8s.io", 3, false)
	clock.advance(time.Second)
	p.Update("Role.rbac.authorization.k8s.io", 3, true)
	if got, want := lastFrame(buf.String()), "listing deployments… 7 (1 kind done, 3 objects)"; got != want {
		t.Errorf("frame %q, want %q", got, want)
	}
}

func TestProgressQuiet(t *testing.T) {
	var buf bytes.Buffer
	if p := newProgress(&buf, false); p != nil {
		t.Error("progress on a buffer, which is not a terminal")
	}
	if p := newProgress(&buf, true); p != nil {
		t.Error("progress with --quiet")
	}
	t.Setenv("CI", "true")
	if p := newProgress(&buf, false); p != nil {
		t.Error("progress in CI")
	}
	// The nil progress is usable.
	var p *progress
	if p.Func() != nil {
		t.Error("nil progress gives a callback")
	}
	p.Update("Pod", 1, false)
	p.Finish()
	if buf.Len() != 0 {
		t.Errorf("quiet progress wrote %q", buf.String())
	}
}

func TestProgressConcurrent(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressTo(&buf, time.Now)
	var wg sync.WaitGroup
	for _, kind := range []string{"Pod", "Service", "Role.rbac.authorization.k8s.io", "Deployment.apps"} {
		wg.Go(func() {
			for i := range 1000 {
				p.Update(kind, i, false)
			}
			p.Update(kind, 1000, true)
		})
	}
	wg.Wait()
	if p.done != 4 || p.objects != 4000 {
		t.Errorf("done %d objects %d, want 4 and 4000", p.done, p.objects)
	}
	p.Finish()
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1234: "1,234", 123456: "123,456", 1234567: "1,234,567", -4321: "-4,321"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDisplayKind(t *testing.T) {
	for kind, want := range map[string]string{
		"Pod": "pods", "Deployment.apps": "deployments", "NetworkPolicy.networking.k8s.io": "networkpolicies",
		"Ingress.networking.k8s.io": "ingresses", "IngressClass.networking.k8s.io": "ingressclasses",
		"ClusterPolicy.kyverno.io": "clusterpolicies", "Gateway.gateway.networking.k8s.io": "gateways",
		"PodSecurityPolicy.policy": "podsecuritypolicies", "Namespace": "namespaces",
	} {
		if got := displayKind(kind); got != want {
			t.Errorf("displayKind(%q) = %q, want %q", kind, got, want)
		}
	}
}

func TestProgressFitsTheTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := progressFor(&buf, newFakeClock())
	p.width = 20
	p.Update("ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io", 12345, false)
	if got, want := lastFrame(buf.String()), "listing validating…"; got != want || len([]rune(got)) >= p.width {
		t.Errorf("frame %q (%d columns), want %q within %d", got, len([]rune(got)), want, p.width)
	}
}
