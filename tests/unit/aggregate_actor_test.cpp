// Filled in by the tests of this component.
