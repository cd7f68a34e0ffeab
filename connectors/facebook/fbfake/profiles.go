package fbfake

import "strings"

// A Messenger customer's profile, as the User Profile API gives it to the
// Page for a PSID: GET /{psid}?fields=name,first_name,last_name,profile_pic
// (testdata/user_profile.docs.json, sources in testdata/README.md).
// Customers the Page has no conversation with are unknown: error 100/33.

// ProfilePicURL is the profile picture the fake gives PSID psid, in the
// shape of Meta's (platform-lookaside.fbsbx.com/platform/profilepic/…).
func ProfilePicURL(psid string) string {
	return "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=" + psid + "&height=50&width=50"
}

// customer returns the Messenger customer with PSID psid. s.mu must be held.
func (s *Server) customer(psid string) (User, bool) {
	for _, c := range s.convs {
		if c.customer.ID == psid {
			return c.customer, true
		}
	}
	return User{}, false
}

// profileJSON renders a customer's profile node.
func profileJSON(u User) map[string]any {
	first, last, _ := strings.Cut(u.Name, " ")
	return map[string]any{
		"id": u.ID, "name": u.Name, "first_name": first, "last_name": last, "profile_pic": ProfilePicURL(u.ID),
	}
}
