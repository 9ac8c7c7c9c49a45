# tests/e2e rules
