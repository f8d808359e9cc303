package awstest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
)

// blobPath is where the harness serves the blobs GetDownloadUrlForLayer points at:
// /eksguard-blob/<account>/<digest>, a plain GET as a pre-signed S3 URL is.
const blobPath = "/eksguard-blob/"

// AddBlob stores a blob (an image configuration) the harness serves for
// ecr:GetDownloadUrlForLayer (moto 5.2.1 lacks it) and returns its digest. Push a manifest
// naming that digest with moto's ecr:PutImage.
func (a *Account) AddBlob(content []byte) string {
	sum := sha256.Sum256(content)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.blobs == nil {
		a.blobs = map[string][]byte{}
	}
	a.blobs[digest] = content
	return digest
}

// AddReferrer attaches an artifact to an image for ecr:ListImageReferrers (moto 5.2.1 lacks
// it).
func (a *Account) AddReferrer(repository, subjectDigest string, ref ecrtypes.ImageReferrer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.referrers == nil {
		a.referrers = map[string][]ecrtypes.ImageReferrer{}
	}
	a.referrers[repository+"@"+subjectDigest] = append(a.referrers[repository+"@"+subjectDigest], ref)
}

// AddInspectorFinding adds an Amazon Inspector finding, which inspector2:ListFindings answers
// (moto 5.2.1 answers no findings), filtered on ecrImageRepositoryName and ecrImageHash.
func (a *Account) AddInspectorFinding(f inspectortypes.Finding) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inspectorFindings = append(a.inspectorFindings, f)
}

// serveBlob answers the GET of a blob URL; it reports false for other requests.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, blobPath)
	if !ok {
		return false
	}
	account, digest, _ := strings.Cut(rest, "/")
	acct := s.account(account)
	if acct == nil {
		http.NotFound(w, r)
		return true
	}
	acct.mu.Lock()
	blob, ok := acct.blobs[digest]
	acct.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return true
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(blob)
	return true
}

// serveECR answers GetDownloadUrlForLayer and ListImageReferrers; it reports false for other
// operations.
func (a *Account) serveECR(w http.ResponseWriter, r *http.Request, action, base string) bool {
	switch action {
	case "ecr:GetDownloadUrlForLayer":
		var in struct {
			LayerDigest string `json:"layerDigest"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeError(w, action, "InvalidParameterException", err.Error())
			return true
		}
		a.mu.Lock()
		_, ok := a.blobs[in.LayerDigest]
		a.mu.Unlock()
		if !ok {
			writeError(w, action, "LayersNotFoundException", "layer "+in.LayerDigest+" not found")
			return true
		}
		writeAWSJSON(w, map[string]any{"layerDigest": in.LayerDigest,
			"downloadUrl": base + blobPath + a.ID + "/" + in.LayerDigest + "?X-Amz-Signature=secret"})
		return true
	case "ecr:ListImageReferrers":
		var in struct {
			RepositoryName string `json:"repositoryName"`
			SubjectID      struct {
				ImageDigest string `json:"imageDigest"`
			} `json:"subjectId"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeError(w, action, "InvalidParameterException", err.Error())
			return true
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		out := []any{}
		for _, ref := range a.referrers[in.RepositoryName+"@"+in.SubjectID.ImageDigest] {
			out = append(out, wire(ref))
		}
		writeAWSJSON(w, map[string]any{"referrers": out})
		return true
	}
	return false
}

// serveInspectorFindings answers inspector2 ListFindings.
func (a *Account) serveInspectorFindings(w http.ResponseWriter, r *http.Request, action string) {
	type filter struct{ Value string }
	var in struct {
		FilterCriteria struct {
			EcrImageRepositoryName []filter `json:"ecrImageRepositoryName"`
			EcrImageHash           []filter `json:"ecrImageHash"`
		} `json:"filterCriteria"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, action, "ValidationException", err.Error())
		return
	}
	matches := func(fs []filter, v string) bool {
		if len(fs) == 0 {
			return true
		}
		for _, f := range fs {
			if f.Value == v {
				return true
			}
		}
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []any{}
	for _, f := range a.inspectorFindings {
		for _, res := range f.Resources {
			if res.Details == nil || res.Details.AwsEcrContainerImage == nil {
				continue
			}
			e := res.Details.AwsEcrContainerImage
			if matches(in.FilterCriteria.EcrImageRepositoryName, sdkaws.ToString(e.RepositoryName)) && matches(in.FilterCriteria.EcrImageHash, sdkaws.ToString(e.ImageHash)) {
				out = append(out, wire(f))
				break
			}
		}
	}
	writeJSON(w, map[string]any{"findings": out})
}

// PushImage pushes an image manifest to an ECR repository in moto: a Docker v2 manifest with
// config as its configuration blob (served by the harness, see AddBlob) and layers of these
// sizes. An empty tag pushes it untagged. It returns the manifest's digest.
func (a *Account) PushImage(ctx context.Context, repo, tag string, config []byte, layerSizes ...int64) (string, error) {
	type desc struct {
		MediaType string `json:"mediaType"`
		Size      int64  `json:"size"`
		Digest    string `json:"digest"`
	}
	m := struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
		Config        desc   `json:"config"`
		Layers        []desc `json:"layers"`
	}{SchemaVersion: 2, MediaType: "application/vnd.docker.distribution.manifest.v2+json",
		Config: desc{MediaType: "application/vnd.docker.container.image.v1+json", Size: int64(len(config)), Digest: a.AddBlob(config)}, Layers: []desc{}}
	for i, size := range layerSizes {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s layer %d", repo, m.Config.Digest, i)))
		m.Layers = append(m.Layers, desc{MediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", Size: size, Digest: "sha256:" + hex.EncodeToString(sum[:])})
	}
	data, _ := json.Marshal(m)
	return a.putManifest(ctx, repo, tag, data)
}

// PushIndex pushes an OCI image index listing manifests by platform ("linux/arm64" to
// digest) and returns its digest.
func (a *Account) PushIndex(ctx context.Context, repo, tag string, platforms map[string]string) (string, error) {
	type entry struct {
		MediaType string            `json:"mediaType"`
		Digest    string            `json:"digest"`
		Size      int               `json:"size"`
		Platform  map[string]string `json:"platform"`
	}
	keys := make([]string, 0, len(platforms))
	for p := range platforms {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	var entries []entry
	for _, p := range keys {
		os, arch, _ := strings.Cut(p, "/")
		entries = append(entries, entry{MediaType: "application/vnd.docker.distribution.manifest.v2+json", Digest: platforms[p], Size: 500,
			Platform: map[string]string{"os": os, "architecture": arch}})
	}
	data, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries})
	return a.putManifest(ctx, repo, tag, data)
}

func (a *Account) putManifest(ctx context.Context, repo, tag string, manifest []byte) (string, error) {
	sum := sha256.Sum256(manifest)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	in := &ecr.PutImageInput{RepositoryName: &repo, ImageManifest: sdkaws.String(string(manifest)), ImageDigest: &digest}
	if tag != "" {
		in.ImageTag = &tag
	}
	if _, err := a.Clients().ECR.PutImage(ctx, in); err != nil {
		return "", fmt.Errorf("put image %s:%s: %w", repo, tag, err)
	}
	return digest, nil
}

// CorruptBlob replaces a blob's content, so that it no longer matches its digest.
func (a *Account) CorruptBlob(digest string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.blobs[digest] = append([]byte("corrupt"), a.blobs[digest]...)
}
