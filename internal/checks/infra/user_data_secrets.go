package infra

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// userDataSecrets: EKS-INF-009.
//
// LAUNCH_TEMPLATES (.LaunchTemplateData.UserData: base64, then gzip and MIME multi-part
// decoded, nested parts included): fails when a line matches a secret pattern: an AWS access
// key ID (AKIA/ASIA and 16 upper-case alphanumerics), an aws_secret_access_key assignment, a
// private key PEM header, a password/passwd/token assignment (token covers aws_session_token) of a literal of 8 or more
// characters, or a Kubernetes bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}). One finding per
// launch template version lists each pattern with its part and line; values are never
// reported.
//
// Decisions: an assignment whose value starts with "$" (a shell variable or command
// substitution) or "{{" (a template) is not a literal. Karpenter EC2NodeClass
// spec.userData is not read here. User data that does not decode is skipped.
// Manifest mode: not applicable.
var userDataSecrets = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-INF-009",
		Slug:     "user-data-secrets",
		Title:    "Node user data must not contain secrets",
		Section:  "infrastructure",
		Severity: check.High,
		Source:   check.SourceAWSEC2,
		Remediation: "Remove credentials from user data; fetch secrets at boot from Secrets Manager/SSM Parameter Store " +
			"with the node role.",
		References: check.References{Guide: "hosts#minimize-access-to-worker-nodes"},
	},
	Reads: []string{readDescribeLaunchTemplate},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		for _, lt := range a.LaunchTemplates {
			d := lt.Version.LaunchTemplateData
			if d == nil || sdkaws.ToString(d.UserData) == "" {
				continue
			}
			r.Evaluated(1)
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sdkaws.ToString(d.UserData)))
			if err != nil {
				continue
			}
			parts := userDataParts(raw, 0)
			var hits []string
			for pi, part := range parts {
				sc := bufio.NewScanner(bytes.NewReader(part))
				sc.Buffer(make([]byte, 64*1024), 1024*1024)
				for n := 1; sc.Scan(); n++ {
					for _, p := range secretPatterns {
						if p.match(sc.Text()) {
							where := fmt.Sprintf("line %d", n)
							if len(parts) > 1 {
								where = fmt.Sprintf("part %d line %d", pi+1, n)
							}
							hits = append(hits, p.name+" ("+where+")")
						}
					}
				}
			}
			if len(hits) > 0 {
				r.FailResource(a.LaunchTemplateARN(lt), "LaunchTemplateData.UserData",
					"user data of launch template "+lt.Name()+" contains "+strings.Join(hits, ", "))
			}
		}
	},
}

type secretPattern struct {
	name string
	re   *regexp.Regexp
	// literal is the capture group that must be a literal (not $VAR, not {{ }}), or 0.
	literal int
}

func (p secretPattern) match(line string) bool {
	for _, m := range p.re.FindAllStringSubmatch(line, -1) {
		if p.literal == 0 {
			return true
		}
		v := m[p.literal]
		if !strings.HasPrefix(v, "$") && !strings.HasPrefix(v, "{{") {
			return true
		}
	}
	return false
}

var secretPatterns = []secretPattern{
	{name: "an AWS access key ID", re: regexp.MustCompile(`\b(AKIA|ASIA)[A-Z0-9]{16}\b`)},
	{name: "an aws_secret_access_key assignment", re: regexp.MustCompile(`(?i)aws_secret_access_key["']?\s*[=:]\s*["']?([^\s"']+)`), literal: 1},
	{name: "a private key", re: regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----`)},
	{name: "a password or token assignment", re: regexp.MustCompile(`(?i)\b[a-z0-9_\-]*(password|passwd|token)["']?\s*[=:]\s*["']?([^\s"']{8,})`), literal: 2},
	{name: "a Kubernetes bootstrap token", re: regexp.MustCompile(`\b[a-z0-9]{6}\.[a-z0-9]{16}\b`)},
}

// userDataParts decodes gzip and MIME multi-part user data into its text parts.
func userDataParts(raw []byte, depth int) [][]byte {
	if depth > 4 {
		return [][]byte{raw}
	}
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
			if out, err := io.ReadAll(io.LimitReader(zr, 16<<20)); err == nil {
				return userDataParts(out, depth+1)
			}
		}
		return nil
	}
	if !bytes.Contains(raw[:min(len(raw), 4096)], []byte("multipart/")) {
		return [][]byte{raw}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return [][]byte{raw}
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return [][]byte{raw}
	}
	var out [][]byte
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		body, _ := io.ReadAll(io.LimitReader(p, 16<<20))
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			if dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(body)), "")); err == nil {
				body = dec
			}
		}
		if pmt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type")); err == nil && strings.HasPrefix(pmt, "multipart/") {
			hdr := "Content-Type: " + mime.FormatMediaType(pmt, pp) + "\r\n\r\n"
			out = append(out, userDataParts(append([]byte(hdr), body...), depth+1)...)
			continue
		}
		out = append(out, userDataParts(body, depth+1)...)
	}
	if len(out) == 0 {
		return [][]byte{raw}
	}
	return out
}

func init() { check.Register(userDataSecrets) }
