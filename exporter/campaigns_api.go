package exporter

import (
	"fmt"
	"net/http"

	"github.com/uptake-dev/uptake/collector/snapshot"
)

// campaign finds a campaign of the snapshot by name.
func (v *view) campaign(name string) (*snapshot.CampaignReport, error) {
	for i := range v.s.Campaigns {
		if v.s.Campaigns[i].Name == name {
			return &v.s.Campaigns[i], nil
		}
	}
	return nil, errNotFound(fmt.Sprintf("no campaign %q in the catalog", name))
}

// apiCampaignsAnswer lists the campaigns' scoreboards without their repos,
// which /api/v1/campaigns/{name} lists.
func apiCampaignsAnswer(v *view, _ *http.Request) (any, error) {
	out := make([]snapshot.CampaignReport, len(v.s.Campaigns))
	for i, c := range v.s.Campaigns {
		c.Repos = nil
		out[i] = c
	}
	return out, nil
}

func apiCampaignAnswer(v *view, r *http.Request) (any, error) {
	return v.campaign(r.PathValue("name"))
}
