// Package awstest runs moto's AWS emulator (python3 -m moto.server, on loopback) behind a
// small HTTP handler for the tests of the AWS source and commands. The handler answers the
// EKS operations moto 5.2.1 lacks (access entries and their policies, Pod Identity
// associations, add-ons and their versions, identity provider configs, updates, insights,
// cluster versions) from per-account fixtures the test sets, and passes everything else to
// moto. Tests use the real SDK clients over HTTP (BaseEndpoint is the harness URL).
//
// Each test gets its own AWS account (NewAccount: a fresh 12-digit ID sent as moto's
// x-moto-account-id header), so tests share one moto process without sharing state. A test
// binary that cannot start moto fails rather than skips: install it with
// `python3 -m pip install 'moto[server]==5.2.1'`.
//
// Start one server per test package, from TestMain (see Run): moto starts in about a second.
package awstest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Server is a running moto behind the harness handler.
type Server struct {
	// URL is the harness's endpoint: give it to the SDK as BaseEndpoint.
	URL string
	// MotoURL is moto's own endpoint.
	MotoURL string

	cmd      *exec.Cmd
	listener net.Listener
	http     *http.Server
	proxy    *httputil.ReverseProxy

	mu       sync.Mutex
	accounts map[string]*Account
	next     atomic.Int64

	// recent is moto's last stderr lines: a 500 from moto is a Python traceback there.
	recentMu sync.Mutex
	recent   []string
}

const recentLines = 60

// RecentLog is moto's last lines of stderr, for the message of a test that got a 500 from it.
func (s *Server) RecentLog() string {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	return strings.Join(s.recent, "\n")
}

func (s *Server) remember(line string) {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	if len(s.recent) == recentLines {
		copy(s.recent, s.recent[1:])
		s.recent = s.recent[:recentLines-1]
	}
	s.recent = append(s.recent, line)
}

// InstallHint says how to get moto.
const InstallHint = "install moto's server: python3 -m pip install 'moto[server]==5.2.1'"

// Run is a TestMain body: it starts the server, runs the tests, stops it and returns the
// exit code. Failing to start moto is a failure (exit 1), never a skip.
func Run(m interface{ Run() int }, setup func(*Server) error) int {
	srv, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "awstest:", err)
		return 1
	}
	code := 1
	if setup == nil {
		code = m.Run()
	} else if err := setup(srv); err != nil {
		fmt.Fprintln(os.Stderr, "awstest: setup:", err)
	} else {
		code = m.Run()
	}
	srv.Stop()
	return code
}

var motoURL = regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)

// Start starts moto on 127.0.0.1 (an OS-chosen port) and the harness in front of it.
func Start() (*Server, error) {
	cmd := exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", "0")
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1", "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	// moto dies with the test binary even when TestMain never reaches Stop.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := startLocked(cmd); err != nil {
		return nil, fmt.Errorf("start moto (python3 -m moto.server): %w; %s", err, InstallHint)
	}
	s := &Server{cmd: cmd, accounts: map[string]*Account{}}
	found := make(chan string, 1)
	var tail strings.Builder
	var tailMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if m := motoURL.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
			s.remember(line)
			tailMu.Lock()
			if tail.Len() < 4096 {
				tail.WriteString(line + "\n")
			}
			tailMu.Unlock()
		}
		close(found)
	}()
	var mURL string
	select {
	case u, ok := <-found:
		if !ok {
			_ = cmd.Wait()
			tailMu.Lock()
			defer tailMu.Unlock()
			return nil, fmt.Errorf("moto exited before serving: %s\n%s", tail.String(), InstallHint)
		}
		mURL = u
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("moto did not report its URL within 60s; %s", InstallHint)
	}
	target, _ := url.Parse(mURL)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	s.URL, s.MotoURL, s.listener, s.proxy = "http://"+ln.Addr().String(), mURL, ln, httputil.NewSingleHostReverseProxy(target)
	s.proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	s.next.Store(time.Now().UnixNano() % 1e6 * 1e4) // fresh IDs per run, in case a moto outlives one
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	if err := s.waitReady(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// startLocked starts cmd from a goroutine locked to its OS thread that never exits: Pdeathsig
// fires when the thread that started the child ends, not only the process.
func startLocked(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- cmd.Start()
		select {} // keep the thread alive for the life of the process
	}()
	return <-errc
}

// waitReady waits until moto answers HTTP.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.MotoURL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("moto at %s does not answer: %w", s.MotoURL, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the harness and moto.
func (s *Server) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// AccountHeader is moto's per-request account selector.
const AccountHeader = "x-moto-account-id"

// ActionHeader carries the IAM action of each request from the test clients to the harness
// (see Account.APIOptions), so that it can deny, throttle and count by action whatever the
// protocol.
const ActionHeader = "x-eksguard-test-action"

// ServeHTTP answers the EKS, CloudTrail Lake and GuardDuty coverage operations moto lacks
// and proxies the rest.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveBlob(w, r) {
		return
	}
	acct := s.account(r.Header.Get(AccountHeader))
	action := r.Header.Get(ActionHeader)
	if action == "" {
		action = inferAction(r)
	}
	if acct != nil {
		done := acct.begin(action, r)
		defer done()
		if acct.delay > 0 {
			time.Sleep(acct.delay)
		}
		if code, msg, ok := acct.injected(action); ok {
			writeError(w, action, code, msg)
			return
		}
		if strings.HasPrefix(action, "eks:") || (action == "" && isEKS(r)) {
			if acct.serveEKS(w, r) {
				return
			}
		}
		if strings.HasPrefix(action, "cloudtrail:") && acct.serveCloudTrail(w, r, action) {
			return
		}
		if action == "" {
			action = restAction(r)
		}
		if strings.HasPrefix(action, "guardduty:") && acct.serveGuardDuty(w, r, action) {
			return
		}
		if strings.HasPrefix(action, "cloudwatch:") && acct.serveCloudWatch(w, r, action) {
			return
		}
		if strings.HasPrefix(action, "detective:") && acct.serveDetective(w, r, action) {
			return
		}
		if strings.HasPrefix(action, "ecr:") && acct.serveECR(w, r, action, s.URL) {
			return
		}
		if strings.HasPrefix(action, "inspector2:") && acct.serveInspector(w, r, action) {
			return
		}
		if strings.HasPrefix(action, "ssm:") && acct.serveSSM(w, r, action) {
			return
		}
		if strings.HasPrefix(action, "securityhub:") && acct.serveSecurityHub(w, r, action) {
			return
		}
		if strings.HasPrefix(action, "logs:") && acct.serveInsights(w, r, action) {
			return
		}
	}
	s.proxy.ServeHTTP(w, r)
}

// isEKS reports whether a request is signed for EKS.
func isEKS(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Authorization"), "/eks/aws4_request")
}

func (s *Server) account(id string) *Account {
	if id == "" {
		id = DefaultAccountID // moto's account for requests without the header
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[id]
}

// errorProtocol is how each service's protocol spells an error.
func writeError(w http.ResponseWriter, action, code, msg string) {
	service, _, _ := strings.Cut(action, ":")
	switch service {
	case "ec2":
		status := http.StatusForbidden
		if code == "RequestLimitExceeded" {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>eksguard-test</RequestID></Response>`, code, xmlEscape(msg))
	case "iam", "sts", "autoscaling": // awsquery
		status := http.StatusForbidden
		if code == "Throttling" {
			status = http.StatusBadRequest
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>eksguard-test</RequestId></ErrorResponse>`, code, xmlEscape(msg))
	case "s3":
		status := http.StatusForbidden
		if code == "SlowDown" {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>eksguard-test</RequestId></Error>`, code, xmlEscape(msg))
	case "ecr", "kms", "cloudtrail", "config", "secretsmanager", "logs":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
	default: // restjson1: eks, guardduty
		status := http.StatusForbidden
		if code == "TooManyRequestsException" || code == "ThrottlingException" {
			status = http.StatusTooManyRequests
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message":%q}`, msg)
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// throttleCode is the throttling error each protocol's services answer with.
func throttleCode(action string) string {
	switch service, _, _ := strings.Cut(action, ":"); service {
	case "ec2":
		return "RequestLimitExceeded"
	case "iam", "sts", "autoscaling":
		return "Throttling"
	case "ecr", "kms", "cloudtrail":
		return "ThrottlingException"
	case "s3":
		return "SlowDown"
	}
	return "TooManyRequestsException"
}

// deniedCode is the authorization error each service answers with.
func deniedCode(action string) string {
	switch service, _, _ := strings.Cut(action, ":"); service {
	case "ec2":
		return "UnauthorizedOperation"
	case "iam", "sts", "autoscaling", "s3":
		return "AccessDenied"
	}
	return "AccessDeniedException"
}

var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Shared returns a server started on first use and shared by the test binary's tests, for
// packages without a TestMain of their own. moto is killed when the test binary exits. A
// failure to start fails the test, never skips it.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() { shared.srv, shared.err = Start() })
	if shared.err != nil {
		t.Fatalf("awstest: %v", shared.err)
	}
	return shared.srv
}
