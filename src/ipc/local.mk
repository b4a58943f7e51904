# src/ipc/local.mk - the shared region and the rings between workers.
