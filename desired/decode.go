package desired

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// File is the content of one desired-state file of a source.
type File struct {
	Name string // as shown in messages: relative to the source
	Data []byte
}

// Decode reads the desired-state files of one source, in order, into one
// state. An object declared twice in the source is an error. All problems
// are collected: the error is a *ListError. Decode does not validate
// values: see Validate.
func Decode(source string, files []File) (*State, error) {
	var errs Errors
	s := New()
	objs := &sourceObjects{state: s, errs: &errs}
	for _, f := range files {
		r := &nodeReader{source: source, file: f.Name, errs: &errs}
		decodeFile(r, f.Data, objs)
	}
	return s, errs.Err()
}

// sourceObjects adds the objects of one source to its state, rejecting
// duplicates.
type sourceObjects struct {
	state *State
	errs  *Errors
}

func (o *sourceObjects) duplicate(kind, name string, first, again Pos) {
	o.errs.Add(again, "%s %q is declared twice in this source (first at %s)", kind, name, first)
}

func decodeFile(r *nodeReader, data []byte, objs *sourceObjects) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			r.syntaxError(err)
			return
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // an empty document
		}
		r.mapping(root, "file", map[string]field{
			"users":       {read: func(_, v *yaml.Node) { r.items(v, "users", func(n *yaml.Node) { objs.addUser(r, n) }) }},
			"groups":      {read: func(_, v *yaml.Node) { r.items(v, "groups", func(n *yaml.Node) { objs.addGroup(r, n) }) }},
			"permissions": {read: func(_, v *yaml.Node) { r.items(v, "permissions", func(n *yaml.Node) { objs.addPermission(r, n) }) }},
			"projects":    {read: func(_, v *yaml.Node) { r.items(v, "projects", func(n *yaml.Node) { objs.addProject(r, n) }) }},
		})
	}
}

// named reads the identifying field of an object first, so that every
// message about the object can name it.
func named(r *nodeReader, n *yaml.Node, kind, idField string) (string, string, bool) {
	what := fmt.Sprintf("%s at line %d", kind, n.Line)
	if !r.isKind(n, yaml.MappingNode, what, "a mapping") {
		return "", "", false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == idField && n.Content[i+1].Kind == yaml.ScalarNode {
			name, ok := r.str(n.Content[i+1], what+": "+idField)
			if ok && name == "" {
				r.errorf(n.Content[i+1], "%s: %s may not be empty", what, idField)
				return "", "", false
			}
			return name, fmt.Sprintf("%s %q", kind, name), ok
		}
	}
	r.errorf(n, "%s: %s is required", what, idField)
	return "", "", false
}

func (o *sourceObjects) addUser(r *nodeReader, n *yaml.Node) {
	name, what, ok := named(r, n, "user", "username")
	if !ok {
		return
	}
	u := &User{Username: name, Pos: Positions{"": r.pos(n)}}
	setPos := func(f func(k, v *yaml.Node)) func(k, v *yaml.Node) {
		return func(k, v *yaml.Node) { u.Pos[k.Value] = r.pos(k); f(k, v) }
	}
	r.mapping(n, what, map[string]field{
		"username":          {read: func(k, v *yaml.Node) { u.Pos["username"] = r.pos(v) }},
		"email":             {read: setPos(r.strPtr(&u.Email, what))},
		"admin":             {read: setPos(r.boolPtr(&u.Admin, what))},
		"profile_updatable": {read: setPos(r.boolPtr(&u.ProfileUpdatable, what))},
		"disable_ui_access": {read: setPos(r.boolPtr(&u.DisableUIAccess, what))},
		"status":            {read: setPos(r.strPtr(&u.Status, what))},
		"groups": {read: setPos(func(k, v *yaml.Node) {
			list, _ := r.strList(v, what+": groups")
			u.Groups = names(list)
			r.itemPositions(v, u.Pos, "groups.")
		})},
		"password":                   {readOnly: "passwords are never part of the desired state; jfsync gives new users a random password and they sign in through LDAP, SAML or SSO"},
		"realm":                      {readOnly: "the server sets it"},
		"internal_password_disabled": {readOnly: "the server sets it"},
		"last_logged_in":             {readOnly: "the server sets it"},
		"created":                    {readOnly: "the server sets it"},
	})
	k := Key(name)
	if first, dup := o.state.Users[k]; dup {
		o.duplicate("user", name, first.Pos[""], u.Pos[""])
		return
	}
	o.state.Users[k] = u
}

func (o *sourceObjects) addGroup(r *nodeReader, n *yaml.Node) {
	name, what, ok := named(r, n, "group", "name")
	if !ok {
		return
	}
	g := &Group{Name: name, Pos: Positions{"": r.pos(n)}}
	setPos := func(f func(k, v *yaml.Node)) func(k, v *yaml.Node) {
		return func(k, v *yaml.Node) { g.Pos[k.Value] = r.pos(k); f(k, v) }
	}
	r.mapping(n, what, map[string]field{
		"name":             {read: func(k, v *yaml.Node) { g.Pos["name"] = r.pos(v) }},
		"description":      {read: setPos(r.strPtr(&g.Description, what))},
		"auto_join":        {read: setPos(r.boolPtr(&g.AutoJoin, what))},
		"admin_privileges": {read: setPos(r.boolPtr(&g.AdminPrivileges, what))},
		"realm":            {read: setPos(r.strPtr(&g.Realm, what))},
		"external_id":      {read: setPos(r.strPtr(&g.ExternalID, what))},
		"members": {read: setPos(func(k, v *yaml.Node) {
			list, ok := r.strList(v, what+": members")
			if ok {
				g.Members = names(list)
			}
			r.itemPositions(v, g.Pos, "members.")
		})},
	})
	k := Key(name)
	if first, dup := o.state.Groups[k]; dup {
		o.duplicate("group", name, first.Pos[""], g.Pos[""])
		return
	}
	o.state.Groups[k] = g
}

// itemPositions records the position of each name of a list under prefix +
// its key.
func (r *nodeReader) itemPositions(list *yaml.Node, pos Positions, prefix string) {
	if list.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range list.Content {
		if item.Kind == yaml.ScalarNode {
			pos[prefix+Key(item.Value)] = r.pos(item)
		}
	}
}

func (o *sourceObjects) addPermission(r *nodeReader, n *yaml.Node) {
	name, what, ok := named(r, n, "permission", "name")
	if !ok {
		return
	}
	p := &Permission{Name: name, Pos: Positions{"": r.pos(n)}}
	r.mapping(n, what, map[string]field{
		"name": {read: func(k, v *yaml.Node) { p.Pos["name"] = r.pos(v) }},
		"resources": {read: func(k, v *yaml.Node) {
			p.Pos["resources"] = r.pos(k)
			readResources(r, v, what, p)
		}},
	})
	if first, dup := o.state.Permissions[name]; dup {
		o.duplicate("permission", name, first.Pos[""], p.Pos[""])
		return
	}
	o.state.Permissions[name] = p
}

func readResources(r *nodeReader, n *yaml.Node, what string, p *Permission) {
	targets := func(dst *map[string]*Target, typ string) field {
		return field{read: func(k, v *yaml.Node) {
			*dst = map[string]*Target{}
			r.entries(v, what+": resources."+typ, func(res string, rk, rv *yaml.Node) {
				path := "resources." + typ + "." + res
				p.Pos[path] = r.pos(rk)
				(*dst)[res] = readTarget(r, rv, fmt.Sprintf("%s: %s %q", what, typ, res), p.Pos, path)
			})
		}}
	}
	r.mapping(n, what+": resources", map[string]field{
		"repository":    targets(&p.Resources.Repository, "repository"),
		"build":         targets(&p.Resources.Build, "build"),
		"releaseBundle": targets(&p.Resources.ReleaseBundle, "releaseBundle"),
	})
}

func readTarget(r *nodeReader, n *yaml.Node, what string, pos Positions, path string) *Target {
	t := &Target{}
	patterns := func(dst *[]string) field {
		return field{read: func(k, v *yaml.Node) {
			if list, ok := r.strList(v, what+": "+k.Value); ok {
				*dst = set(list)
			}
		}}
	}
	r.mapping(n, what, map[string]field{
		"include_patterns": patterns(&t.IncludePatterns),
		"exclude_patterns": patterns(&t.ExcludePatterns),
		"actions": {read: func(k, v *yaml.Node) {
			r.mapping(v, what+": actions", map[string]field{
				"users":  {read: func(k, v *yaml.Node) { t.Users = r.grants(v, what+": actions.users", pos, path+".users.") }},
				"groups": {read: func(k, v *yaml.Node) { t.Groups = r.grants(v, what+": actions.groups", pos, path+".groups.") }},
			})
		}},
	})
	return t
}

// grants reads a mapping of user or group names to lists (actions or
// roles), keyed by Key(name), recording each name's position.
func (r *nodeReader) grants(n *yaml.Node, what string, pos Positions, prefix string) map[string][]string {
	out := map[string][]string{}
	r.entries(n, what, func(name string, k, v *yaml.Node) {
		key := Key(name)
		if first, dup := pos[prefix+key]; dup {
			r.errorf(k, "%s: %q is listed twice (first at line %d)", what, name, first.Line)
			return
		}
		pos[prefix+key] = r.pos(k)
		if list, ok := r.strList(v, fmt.Sprintf("%s: %s", what, name)); ok {
			out[key] = set(list)
		}
	})
	return out
}

func (o *sourceObjects) addProject(r *nodeReader, n *yaml.Node) {
	key, what, ok := named(r, n, "project", "project_key")
	if !ok {
		return
	}
	p := &Project{ProjectKey: key, Pos: Positions{"": r.pos(n)}}
	setPos := func(f func(k, v *yaml.Node)) func(k, v *yaml.Node) {
		return func(k, v *yaml.Node) { p.Pos[k.Value] = r.pos(k); f(k, v) }
	}
	r.mapping(n, what, map[string]field{
		"project_key":              {read: func(k, v *yaml.Node) { p.Pos["project_key"] = r.pos(v) }},
		"display_name":             {read: setPos(r.strPtr(&p.DisplayName, what))},
		"description":              {read: setPos(r.strPtr(&p.Description, what))},
		"max_storage_in_gibibytes": {read: setPos(r.intPtr(&p.MaxStorageInGibibytes, what))},
		"admin_privileges": {read: setPos(func(k, v *yaml.Node) {
			ap := &AdminPrivileges{}
			apWhat := what + ": admin_privileges"
			at := func(f func(k, v *yaml.Node)) func(k, v *yaml.Node) {
				return func(k, v *yaml.Node) { p.Pos["admin_privileges."+k.Value] = r.pos(k); f(k, v) }
			}
			r.mapping(v, apWhat, map[string]field{
				"manage_members":         {read: at(r.boolPtr(&ap.ManageMembers, apWhat))},
				"manage_resources":       {read: at(r.boolPtr(&ap.ManageResources, apWhat))},
				"manage_security_assets": {read: at(r.boolPtr(&ap.ManageSecurityAssets, apWhat))},
				"index_resources":        {read: at(r.boolPtr(&ap.IndexResources, apWhat))},
				"allow_ignore_rules":     {read: at(r.boolPtr(&ap.AllowIgnoreRules, apWhat))},
			})
			p.AdminPrivileges = ap
		})},
		"members": {read: setPos(func(k, v *yaml.Node) {
			m := &ProjectMembers{}
			r.mapping(v, what+": members", map[string]field{
				"users":  {read: func(k, v *yaml.Node) { m.Users = r.grants(v, what+": members.users", p.Pos, "members.users.") }},
				"groups": {read: func(k, v *yaml.Node) { m.Groups = r.grants(v, what+": members.groups", p.Pos, "members.groups.") }},
			})
			p.Members = m
		})},
		"storage_quota_bytes":              {readOnly: "the server sets it from max_storage_in_gibibytes"},
		"soft_limit":                       {readOnly: "the server sets it"},
		"storage_quota_email_notification": {readOnly: "the server sets it"},
	})
	if first, dup := o.state.Projects[key]; dup {
		o.duplicate("project", key, first.Pos[""], p.Pos[""])
		return
	}
	o.state.Projects[key] = p
}
