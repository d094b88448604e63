dist_doc_DATA += docs/config.md docs/plugins.md docs/architecture.md docs/lwm2mctl.md docs/registration.md docs/rest.md docs/operations.md docs/blockwise.md docs/storage.md docs/cluster.md
dist_doc_DATA += docs/bootstrap.md
dist_doc_DATA += docs/dtls.md
dist_doc_DATA += docs/performance.md
