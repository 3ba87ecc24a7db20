//! Pure folds from events to read models. Architecture invariant: no I/O, no clock, no
//! database — every function here is a function of the events it is given.
#![forbid(unsafe_code)]
