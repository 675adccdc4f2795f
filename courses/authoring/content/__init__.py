"""One module per course, each defining `COURSE: CourseSpec`."""
