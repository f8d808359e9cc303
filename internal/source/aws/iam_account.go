package aws

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// authorizationDetails reads every user, group and role of the account with their policies
// (iam:GetAccountAuthorizationDetails, every page), decodes the policy documents in place and
// keeps, of the managed policies, only those attached to some principal, each with only its
// default version.
func (c *collector) authorizationDetails(ctx context.Context) {
	out := &inventory.IAMAuthorization{}
	var policies []iamtypes.ManagedPolicyDetail
	p := iam.NewGetAccountAuthorizationDetailsPaginator(c.clients.iam, &iam.GetAccountAuthorizationDetailsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "iam:GetAccountAuthorizationDetails", c.out.Account, err)
			return
		}
		out.Users = append(out.Users, page.UserDetailList...)
		out.Groups = append(out.Groups, page.GroupDetailList...)
		out.Roles = append(out.Roles, page.RoleDetailList...)
		policies = append(policies, page.Policies...)
	}
	attached := map[string]bool{}
	for i := range out.Users {
		u := &out.Users[i]
		for j := range u.UserPolicyList {
			decodeDoc(u.UserPolicyList[j].PolicyDocument)
		}
		for _, ap := range u.AttachedManagedPolicies {
			attached[str(ap.PolicyArn)] = true
		}
	}
	for i := range out.Groups {
		g := &out.Groups[i]
		for j := range g.GroupPolicyList {
			decodeDoc(g.GroupPolicyList[j].PolicyDocument)
		}
		for _, ap := range g.AttachedManagedPolicies {
			attached[str(ap.PolicyArn)] = true
		}
	}
	for i := range out.Roles {
		r := &out.Roles[i]
		decodeDoc(r.AssumeRolePolicyDocument)
		for j := range r.RolePolicyList {
			decodeDoc(r.RolePolicyList[j].PolicyDocument)
		}
		for _, ap := range r.AttachedManagedPolicies {
			attached[str(ap.PolicyArn)] = true
		}
	}
	for _, pol := range policies {
		if !attached[str(pol.Arn)] {
			continue
		}
		var keep []iamtypes.PolicyVersion
		for _, v := range pol.PolicyVersionList {
			if v.IsDefaultVersion || (str(v.VersionId) != "" && str(v.VersionId) == str(pol.DefaultVersionId)) {
				decodeDoc(v.Document)
				keep = append(keep, v)
			}
		}
		pol.PolicyVersionList = keep
		out.Policies = append(out.Policies, pol)
	}
	c.add(func(a *inventory.AWS) { a.Authorization = out })
}

// decodeDoc URL-decodes a policy document in place (IAM returns them URL-encoded).
func decodeDoc(doc *string) {
	if doc == nil {
		return
	}
	if j := inventory.PolicyJSON(*doc); j != nil && len(j) > 0 && j[0] == '{' {
		*doc = string(j)
	}
}

// credentialReportPoll is how long to wait between tries while IAM generates the credential
// report, and credentialReportTries how often to try.
var (
	credentialReportPoll  = 2 * time.Second
	credentialReportTries = 30
)

// credentialReport has IAM generate the account's credential report
// (iam:GenerateCredentialReport, which reuses a report younger than four hours), waits for it
// and reads it (iam:GetCredentialReport). Only the columns the checks read are kept.
func (c *collector) credentialReport(ctx context.Context) {
	account := c.out.Account
	gen, err := c.clients.iam.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	if err != nil {
		c.fail(ctx, "iam:GenerateCredentialReport", account, err)
		c.skipped("iam:GetCredentialReport", account, "iam:GenerateCredentialReport failed")
		return
	}
	c.debugf("credential report: %s", gen.State)
	var out *iam.GetCredentialReportOutput
	for try := 1; ; try++ {
		out, err = c.clients.iam.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		if err == nil || !isCode(err, "ReportInProgress", "ReportNotPresent", "ReportExpired") || try >= credentialReportTries {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(credentialReportPoll):
		}
		if isCode(err, "ReportNotPresent", "ReportExpired") {
			if _, err := c.clients.iam.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}); err != nil {
				c.fail(ctx, "iam:GenerateCredentialReport", account, err)
				return
			}
		}
	}
	if err != nil {
		c.fail(ctx, "iam:GetCredentialReport", account, err)
		return
	}
	report, err := parseCredentialReport(out.Content)
	if err != nil {
		c.fail(ctx, "iam:GetCredentialReport", account, err)
		return
	}
	report.GeneratedTime = out.GeneratedTime
	c.add(func(a *inventory.AWS) { a.CredentialReport = report })
}

// parseCredentialReport reads the credential report's CSV by column name.
func parseCredentialReport(content []byte) (*inventory.CredentialReport, error) {
	r := csv.NewReader(bytes.NewReader(content))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("credential report: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"user", "arn"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("credential report: no %q column", need)
		}
	}
	report := &inventory.CredentialReport{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("credential report: %w", err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		u := inventory.CredentialReportUser{User: get("user"), ARN: get("arn"),
			PasswordEnabled: get("password_enabled") == "true", MFAActive: get("mfa_active") == "true"}
		for slot := 1; slot <= 2; slot++ {
			k := inventory.AccessKeyStatus{Slot: slot, Active: get(fmt.Sprintf("access_key_%d_active", slot)) == "true"}
			if t, err := time.Parse(time.RFC3339, get(fmt.Sprintf("access_key_%d_last_rotated", slot))); err == nil {
				t = t.UTC()
				k.LastRotated = &t
			}
			if k.Active || k.LastRotated != nil {
				u.AccessKeys = append(u.AccessKeys, k)
			}
		}
		report.Users = append(report.Users, u)
	}
	return report, nil
}
