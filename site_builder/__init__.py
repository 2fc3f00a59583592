"""Build everything a reader sees from catalog/: README, site pages, exports, feed."""
