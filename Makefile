# The two commands of the README. Both install whatever is missing first.
.PHONY: run test
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
