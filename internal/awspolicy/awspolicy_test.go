package awspolicy

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "s3:GetObject", true},
		{"s3:*", "S3:GetObject", true},
		{"s3:Get*", "s3:PutObject", false},
		{"iam:Create*", "iam:CreateRole", true},
		{"ecr:*Upload*", "ecr:InitiateLayerUpload", true},
		{"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", false},
		{"system:serviceaccount:shop:*", "system:serviceaccount:shop:web", true},
		{"system:serviceaccount:*:web", "system:serviceaccount:a/b:web", true},
		{"arn:aws:s3:::bucket[1]/*", "arn:aws:s3:::bucket[1]/key", true},
		{"s?:Get", "s3:Get", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
	} {
		if got := Match(c.pattern, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
	if MatchStar("prod?", "prod1") || !MatchStar("shop/*", "shop/web/api") || MatchStar("Shop/*", "shop/web") {
		t.Error("MatchStar: ? is literal, * spans /, case-sensitive")
	}
}

func TestParseShapes(t *testing.T) {
	doc, err := Parse(json.RawMessage(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*",
		"Condition":{"Bool":{"aws:SecureTransport":true},"StringEquals":{"aws:PrincipalOrgID":["o-1","o-2"]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	st := doc.Statement[0]
	if len(doc.Statement) != 1 || !st.Allows() || !st.Principal.IsAnyone() || !st.AllResources() || !st.MatchesAction("s3:PutObject") {
		t.Fatalf("single statement: %+v", doc)
	}
	if c := st.Conditions("AWS:SecureTransport"); len(c) != 1 || c[0].Values[0] != "true" {
		t.Errorf("bool condition: %+v", c)
	}
	if !slices.Equal(st.Conditions("aws:principalorgid")[0].Values, Strings{"o-1", "o-2"}) {
		t.Error("list condition")
	}
	doc, err = Parse(json.RawMessage(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"],"Service":"eks.amazonaws.com"},"NotAction":"iam:*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	st = doc.Statement[0]
	if !st.Principal.IsAnyone() || !slices.Equal(st.Principal.All(), []string{"AWS:*", "AWS:arn:aws:iam::1:root", "Service:eks.amazonaws.com"}) {
		t.Errorf("principals: %v", st.Principal.All())
	}
	if st.MatchesAction("iam:PassRole") || !st.MatchesAction("s3:GetObject") {
		t.Error("NotAction")
	}
	if _, err := Parse(json.RawMessage(`"not a policy"`)); err == nil {
		t.Error("a JSON string is not a document")
	}
	if BaseOperator("ForAnyValue:StringLikeIfExists") != "StringLike" {
		t.Error("BaseOperator")
	}
}

func TestGrants(t *testing.T) {
	parse := func(s string) *Document {
		d, err := Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	docs := []Labeled{
		{"a", parse(`{"Statement":[{"Effect":"Allow","Action":"eks:*","Resource":"*"},{"Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:s3:::bucket"}]}`)},
		{"b", parse(`{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`)},
		{"c", parse(`{"Statement":[{"Effect":"Deny","Action":"eks:CreateAccessEntry","Resource":"*"}]}`)},
	}
	got := Grants(docs, []string{"eks:UpdateClusterConfig", "eks:CreateAccessEntry", "ecr:PutImage", "iam:CreateUser"},
		func(st *Statement) bool { return st.MayNameService("eks") || st.MayNameService("ecr") })
	if len(got) != 2 || len(got["eks:UpdateClusterConfig"]) != 2 || got["ecr:PutImage"][0] != "b" {
		t.Errorf("Grants = %v", got)
	}
	for doc, want := range map[string]bool{
		`{"Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"*"}}`:                   true,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`:                       true,
		`{"Statement":{"Effect":"Allow","Action":"ecr:Put*","Resource":"*"}}`:                false,
		`{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`:                true,
		`{"Statement":{"Effect":"Allow","NotAction":"ecr:DeleteRepository","Resource":"*"}}`: false,
	} {
		if got := parse(doc).Statement[0].CoversService("ecr"); got != want {
			t.Errorf("CoversService(ecr) of %s = %v, want %v", doc, got, want)
		}
	}
}
