package tail

import (
	"encoding/json"
	"strings"
)

// headerList is a request's headers: names lower-cased, credential values
// redacted, sorted by name (decoded from the JSON object).
type headerList []Header

// UnmarshalJSON reads the headers object (encoding/json path).
func (h *headerList) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*h = make(headerList, 0, len(m))
	for k, v := range m {
		*h = append(*h, Header{Name: strings.ToLower(k), Value: Redact(k, v)})
	}
	return nil
}
