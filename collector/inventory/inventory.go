// Package inventory is the stage between a source's tree and the catalog:
// it reads the files some detector, probe or built-in reader needs from one
// repo at one commit and returns what the repo uses, with evidence.
package inventory

import "github.com/uptake-dev/uptake/collector/detect"

// Inventory is what a scan learns from one repo at one commit. It is what
// the cache keeps: offerings, teams and eligibility are evaluated from it,
// so a catalog change that needs no new file re-evaluates without reading.
type Inventory struct {
	Components []detect.Component `json:"components,omitempty"`
	Languages  []string           `json:"languages,omitempty"`
	// Owners are the CODEOWNERS owners of the repo root.
	Owners []string `json:"owners,omitempty"`
	// OwnersAt is the CODEOWNERS rule that gave Owners, as path:line.
	OwnersAt string `json:"owners_at,omitempty"`
	// CatalogOwner is spec.owner as catalog-info.yaml writes it.
	CatalogOwner string `json:"catalog_owner,omitempty"`
	FileErrors   int    `json:"file_errors,omitempty"`
	// FileErrorList names the first MaxFileErrorList of them, by path; nil
	// when there are none.
	FileErrorList []FileError `json:"file_error_list,omitempty"`
	// Units are the repo's projects in project mode (scan.units), the
	// root unit first; nil in repo mode.
	Units []Unit `json:"units,omitempty"`
	// ReaderErrors splits FileErrors by the detector or reader that
	// skipped each file; they sum to FileErrors.
	ReaderErrors map[string]int `json:"reader_errors,omitempty"`
	FilesRead    int            `json:"files_read"`
	// Files are the repo's CI, build and container files in harvest mode;
	// nil otherwise.
	Files []HarvestFile `json:"files,omitempty"`
	Empty bool          `json:"empty,omitempty"`
}

// FileError is one skipped file as the snapshot may publish it.
type FileError struct {
	Path string `json:"path"`
	// Error is why, in uptake's own words: the reader and a cause, never
	// a parser's message, which may quote the file.
	Error string `json:"error"`
}
