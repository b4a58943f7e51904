# sim/: the deterministic simulator (DESIGN.md section 7).
