"""The two drivers over the same model: `mesa` (readable, one replicate, step by step) and `kernel`
(compiled, many replicates per call). Neither imports the other; both start from
`sim.model.compile_from`."""
