package awstest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// DefaultAccountID is the account moto uses for requests without the x-moto-account-id
// header.
const DefaultAccountID = "123456789012"

// DefaultAccount registers moto's default account with the harness and returns it, for tests
// whose clients cannot send the account header: a command configured only through the
// environment (AWS_ENDPOINT_URL set to the harness URL, static credentials). Its EKS fixtures
// and injected denials apply to requests without the header. One test per server should use
// it, since its state is shared.
func (s *Server) DefaultAccount(t testing.TB) *Account {
	if t != nil {
		t.Helper()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[DefaultAccountID]; ok {
		return a
	}
	a := &Account{ID: DefaultAccountID, server: s, clusters: map[string]*clusterState{}, denied: map[string]bool{}, throttle: map[string]int{},
		calls: map[string]int{}, requests: map[string]int{}}
	s.accounts[a.ID] = a
	return a
}

// Environment is what a command needs in its environment to reach the harness as the default
// account: endpoint, static credentials, region, and no shared config files.
func (s *Server) Environment() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL": s.URL, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": Region, "AWS_PROFILE": "", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
	}
}

// inferAction names the IAM action of a request whose client did not send ActionHeader: the
// service from the SigV4 credential scope, the operation from X-Amz-Target (JSON protocols) or
// the Action form parameter (query protocols). REST protocols (EKS, GuardDuty) give "" unless
// the route is known from the path.
func inferAction(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	i := strings.Index(auth, "/aws4_request")
	if i < 0 {
		return ""
	}
	scope := auth[:i]
	service := scope[strings.LastIndex(scope, "/")+1:]
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		return service + ":" + target[strings.LastIndex(target, ".")+1:]
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			return service + ":" + form.Get("Action")
		}
	}
	return ""
}
