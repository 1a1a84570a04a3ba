"""党课微直播: live lessons from a phone browser (issue 16).

Its own app on the feature layer, not part of `lessons`: a live has its own life (schedule,
ingest runs, a transcoder process per run, the viewers' playlist) and uses both lessons (the
recording becomes a draft lesson) and media (signed HLS delivery), so it sits above them."""
