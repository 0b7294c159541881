package emulator

import (
	"io"
	"net/http"
)

// hook registers a test hook: admin credentials required, not counted as an
// API call, no faults.
func (s *Server) hook(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.authenticate(r)
		if !ok || !p.admin {
			w.Header().Set("WWW-Authenticate", `Bearer realm="jfrog-access"`)
			writeError(w, http.StatusUnauthorized, "the emulator's hooks need the admin credentials")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		h(w, r)
	})
}

func (s *Server) getState(w http.ResponseWriter, _ *http.Request) {
	data, err := s.State().Marshal()
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(data)
}

func (s *Server) getCalls(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Calls())
}

func (s *Server) getFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.faults.get())
}

func (s *Server) postFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := decode(r, &f); err != nil {
		fail(w, err)
		return
	}
	if err := s.SetFaults(f); err != nil {
		fail(w, badRequest("%v", err))
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) deleteFaults(w http.ResponseWriter, _ *http.Request) {
	s.faults.set(Faults{})
	w.WriteHeader(http.StatusNoContent)
}

// postReset restores the seed state, or loads the YAML state in the body.
func (s *Server) postReset(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		fail(w, badRequest("read body: %v", err))
		return
	}
	if len(data) == 0 {
		err = s.Reset()
	} else {
		var st State
		if st, err = ParseState("(request body)", data); err == nil {
			err = s.Load(st)
		}
	}
	if err != nil {
		fail(w, badRequest("%v", err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
