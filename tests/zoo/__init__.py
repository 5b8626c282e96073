"""The zoo: lstmdoc on real architectures, built from configurations, against each framework."""
