package report

import (
	"encoding/json"
	"io"
)

func init() { register("json", JSON) }

// JSON writes the report as one indented JSON document (schema: docs/json-report.md).
func JSON(w io.Writer, r *Report, _ Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
