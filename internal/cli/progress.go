package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress shows collection progress on one line of a terminal: the kind being listed and
// how many objects of it have arrived, plus the kinds finished so far:
//
//	listing pods… 1,234 (12 kinds done, 5,678 objects)
//
// Update has the signature of kube.Options.Progress (kinds such as Pod or Deployment.apps)
// and may be called from many goroutines.
// Redraws are throttled; Finish erases the line, so the report (or a shell prompt) starts on
// a clean line. A nil *progress is valid and does nothing, which is what callers get when
// stderr is not a terminal, in CI or with --quiet.
type progress struct {
	w        io.Writer
	now      func() time.Time
	interval time.Duration
	width    int // terminal columns; a longer line would wrap and break \r redraws (0: no limit)

	mu      sync.Mutex
	kinds   map[string]*kindProgress
	current string // the kind shown: the one updated last that is still being listed
	done    int    // kinds finished
	objects int    // objects of finished kinds
	seq     int    // updates so far
	drawn   bool
	last    time.Time
	lastLen int
}

type kindProgress struct {
	listed int
	done   bool
	seq    int // update order, to fall back on the most recently active kind
}

// progressInterval is the minimum time between redraws (10 a second at most).
const progressInterval = 100 * time.Millisecond

// newProgress returns a progress line writing to w, or nil when it must stay quiet: with
// --quiet, when the CI environment variable is set, or when w is not a terminal.
func newProgress(w io.Writer, quiet bool) *progress {
	if quiet || os.Getenv("CI") != "" || !isTerminal(w) {
		return nil
	}
	p := newProgressTo(w, time.Now)
	if width, _, err := term.GetSize(int(w.(*os.File).Fd())); err == nil {
		p.width = width
	}
	return p
}

// newProgressTo always draws; tests give it a buffer and a fake clock.
func newProgressTo(w io.Writer, now func() time.Time) *progress {
	return &progress{w: w, now: now, interval: progressInterval, kinds: map[string]*kindProgress{}}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Func adapts the progress line to kube.Options.Progress; nil when quiet.
func (p *progress) Func() func(kind string, listed int, done bool) {
	if p == nil {
		return nil
	}
	return p.Update
}

// Update records that listed objects of kind have arrived so far, and whether its listing
// has finished.
func (p *progress) Update(kind string, listed int, done bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.kinds[kind]
	if k == nil {
		k = &kindProgress{}
		p.kinds[kind] = k
	}
	if k.done { // a late or repeated report
		return
	}
	k.listed, k.done = listed, done
	p.seq++
	k.seq = p.seq
	if done {
		p.done++
		p.objects += listed
		if p.current == kind {
			p.current = p.latestActive()
		}
	} else {
		p.current = kind
	}
	now := p.now()
	if p.drawn && now.Sub(p.last) < p.interval {
		return
	}
	p.draw(now)
}

// latestActive is the most recently updated kind still being listed, or "".
func (p *progress) latestActive() string {
	best, seq := "", 0
	for name, k := range p.kinds {
		if !k.done && k.seq > seq {
			best, seq = name, k.seq
		}
	}
	return best
}

// draw rewrites the line; the caller holds p.mu.
func (p *progress) draw(now time.Time) {
	line := p.line()
	if r := []rune(line); p.width > 1 && len(r) >= p.width {
		line = string(r[:p.width-2]) + "…"
	}
	pad := ""
	if n := p.lastLen - len([]rune(line)); n > 0 {
		pad = fmt.Sprintf("%*s", n, "")
	}
	fmt.Fprint(p.w, "\r"+line+pad)
	p.drawn, p.last, p.lastLen = true, now, len([]rune(line))
}

func (p *progress) line() string {
	var line string
	if p.current != "" {
		line = "listing " + displayKind(p.current) + "… " + groupDigits(p.kinds[p.current].listed)
	} else {
		line = "listing…"
	}
	if p.done > 0 {
		line += fmt.Sprintf(" (%d %s done, %s %s)", p.done, plural(p.done, "kind", "kinds"),
			groupDigits(p.objects), plural(p.objects, "object", "objects"))
	}
	return line
}

// Finish erases the progress line.
func (p *progress) Finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintf(p.w, "\r%*s\r", p.lastLen, "")
		p.drawn, p.lastLen = false, 0
	}
}

// displayKind turns the collector's group-qualified kind (Pod, Deployment.apps) into the
// resource name a kubectl user knows: pods, deployments.
func displayKind(kind string) string {
	k, _, _ := strings.Cut(kind, ".")
	k = strings.ToLower(k)
	switch {
	case k == "":
		return kind
	case strings.HasSuffix(k, "y") && len(k) > 1 && !strings.ContainsRune("aeiou", rune(k[len(k)-2])):
		return k[:len(k)-1] + "ies"
	case strings.HasSuffix(k, "s"), strings.HasSuffix(k, "x"), strings.HasSuffix(k, "ch"), strings.HasSuffix(k, "sh"):
		return k + "es"
	}
	return k + "s"
}

// groupDigits formats n with thousands separators: 1234567 -> 1,234,567.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
