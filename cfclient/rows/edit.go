package rows

// Edit returns a copy of s without the rows drop reports and with new tags
// on the rows retag gives them for (nil: keep). Rows are copied in their
// compact form, so editing a million rows allocates only the new arrays;
// s itself is not changed (snapshots of it stay valid).
func (s *Scripts) Edit(drop func(i int) bool, retag func(i int) []string) Scripts {
	b := &Builder{s: Scripts{strs: s.strs[:len(s.strs):len(s.strs)]}}
	if len(b.s.strs) == 0 {
		b.s.strs = []string{""}
	}
	if n := s.Len(); n > 0 {
		// Room for every row as it is: dropping rows leaves a little
		// unused, which Compact keeps unless it is more than an eighth.
		d := &b.s
		d.names = make([]byte, 0, len(s.names))
		d.ids = make([]byte, 0, len(s.ids))
		d.nameOff = append(make([]uint32, 0, n+1), 0)
		d.idOff = append(make([]uint32, 0, n+1), 0)
		d.elems = make([]uint32, 0, len(s.elems)+64)
		d.meta = make([]meta, 0, n)
	}
	for i := range s.Len() {
		if drop != nil && drop(i) {
			continue
		}
		var tags []string
		if retag != nil {
			tags = retag(i)
		}
		b.copyRow(s, i, tags)
	}
	return b.Compact()
}

// copyRow appends row i of src, whose string table b's extends, with tags
// in place of its own when tags is not nil.
func (b *Builder) copyRow(src *Scripts, i int, tags []string) {
	d := &b.s
	m := src.meta[i]
	elems := src.elems[m.elems:src.elemEnd(i)]
	m.elems = uint32(len(d.elems))
	if tags != nil {
		m.nTags = uint16(min(len(tags), 1<<16-1))
		m.bits &^= bitTagsNil
		for _, t := range tags[:m.nTags] {
			d.elems = append(d.elems, b.str(t))
		}
		elems = elems[src.meta[i].nTags:]
	}
	d.elems = append(d.elems, elems...)
	d.names = append(d.names, src.names[src.nameOff[i]:src.nameOff[i+1]]...)
	d.nameOff = append(d.nameOff, uint32(len(d.names)))
	d.ids = append(d.ids, src.ids[src.idOff[i]:src.idOff[i+1]]...)
	d.idOff = append(d.idOff, uint32(len(d.ids)))
	d.meta = append(d.meta, m)
}

// Compact returns a snapshot whose arrays are no larger than they need to
// be (a listing grown page by page may hold up to twice its size). The
// Builder may still append.
func (b *Builder) Compact() Scripts {
	s := &b.s
	s.names = fit(s.names)
	s.ids = fit(s.ids)
	s.nameOff = fit(s.nameOff)
	s.idOff = fit(s.idOff)
	s.elems = fit(s.elems)
	s.meta = fit(s.meta)
	return b.Scripts()
}

// fit returns x, or a copy of it at its length when more than an eighth of
// its capacity is unused.
func fit[T any](x []T) []T {
	if cap(x)-len(x) <= len(x)/8 {
		return x
	}
	return append(make([]T, 0, len(x)), x...)
}
