"""Work orders (工单): tables, numbers, intake, lifecycle, deadlines, edits, queries, search."""
